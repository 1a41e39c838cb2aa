export { type EngineOptions, type LiveSample, runEngine } from './run.js'
export { type Actor, UserPool } from './user-pool.js'
