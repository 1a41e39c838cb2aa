export { BusinessMetrics } from './business.js'
export { type DependencySources, registerDependencyGauges } from './dependencies.js'
export { Metrics } from './metrics.js'
