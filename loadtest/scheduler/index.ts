export { type ArrivalProcess, type Arrivals, createArrivals } from './arrivals.js'
export {
  peakRate,
  peakUsers,
  profileAt,
  type Ramp,
  type ScaleOptions,
  type Stage,
  type StagePoint,
  scaleStages,
  totalDurationSec,
} from './stages.js'
