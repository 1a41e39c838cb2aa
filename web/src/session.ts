import { persistedStore } from './store'

export interface Session {
  token: string
  userId: number
  name: string
  role: 'customer' | 'admin'
  expiresAt: string
}

export const session = persistedStore<Session | null>('floodgate.session', null)

/** The signed-in shopper, or null once the token has expired. */
export function currentSession(): Session | null {
  const s = session.get()
  if (s && Date.parse(s.expiresAt) <= Date.now()) {
    session.set(null)
    return null
  }
  return s
}

/** The demo shop's seeded people (src/seed/demo.ts); demo sign-in accepts exactly these. */
export const DEMO_USERS = [
  { id: 1, name: 'Minji Kim', role: 'customer' },
  { id: 2, name: 'Joon Park', role: 'customer' },
  { id: 3, name: 'Seo-yeon Lee', role: 'customer' },
  { id: 4, name: 'Hyun Choi', role: 'customer' },
  { id: 5, name: 'Ara Jung', role: 'customer' },
  { id: 1000, name: 'Shop Admin', role: 'admin' },
] as const
