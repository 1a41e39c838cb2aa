export { get, pathOf, post, type Route } from './api.js'
export {
  browse,
  buyHotProduct,
  buyNow,
  buyThenCancel,
  charge,
  claimCoupon,
  payLater,
  saleMix,
} from './shop.js'
export type {
  Journey,
  JourneyState,
  ScenarioData,
  Step,
  StepContext,
  StepRequest,
  VirtualUser,
} from './types.js'
