import { AppError } from '../platform/errors/index.js'

export type Role = 'customer' | 'admin'

/** Who is calling, from a verified token. */
export interface Principal {
  userId: number
  role: Role
}

/** A customer may act only as themself; admins may act for anyone. */
export function assertActsAs(principal: Principal, userId: number): void {
  if (principal.role !== 'admin' && principal.userId !== userId) {
    throw new AppError('FORBIDDEN', `user ${principal.userId} may not act for user ${userId}`)
  }
}

/** True when the principal may see a resource owned by `ownerId` (others get a 404, not a 403). */
export const canSee = (principal: Principal, ownerId: number) =>
  principal.role === 'admin' || principal.userId === ownerId
