export { rankingRoutes } from './routes.js'
export { computeTopProducts, createTopProducts, type TopProducts } from './top-products.js'
