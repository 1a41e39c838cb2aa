export { chargePoints } from './points.js'
export { pointsRoutes } from './routes.js'
export { debitForOrder, readBalance, refundOrder } from './wallet.js'
