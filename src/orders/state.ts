import type { OrderStatus } from '../platform/db/index.js'

/**
 * The order lifecycle as data. Every status change goes through `canMove` and is written as a
 * conditional UPDATE on the old status, so two racing changes cannot both apply.
 */
export const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING_PAYMENT: ['PAID', 'EXPIRED', 'CANCELLED'],
  PAID: ['CANCELLED'],
  EXPIRED: [],
  CANCELLED: [],
}

export const canMove = (from: OrderStatus, to: OrderStatus) => transitions[from].includes(to)
