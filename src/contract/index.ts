export { breakingChanges, type Change } from './breaking.js'
export { generateSpec, specText } from './generate.js'
export { createResponseValidator } from './response-validator.js'
