import { useEffect, useState } from 'preact/hooks'

/** A value the whole page shares (session, cart, busy state); components re-render when it changes. */
export interface Store<T> {
  get(): T
  set(value: T): void
  subscribe(listener: () => void): () => void
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial
  const listeners = new Set<() => void>()
  return {
    get: () => value,
    set(next) {
      value = next
      for (const listener of listeners) listener()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export function useStore<T>(store: Store<T>): T {
  const [, setVersion] = useState(0)
  useEffect(() => store.subscribe(() => setVersion((n) => n + 1)), [store])
  return store.get()
}

/** A store kept in localStorage, so a reload keeps the cart and the session. */
export function persistedStore<T>(key: string, initial: T): Store<T> {
  let saved = initial
  try {
    const raw = localStorage.getItem(key)
    if (raw) saved = JSON.parse(raw) as T
  } catch {
    // A corrupt or inaccessible entry just means starting fresh.
  }
  const store = createStore(saved)
  store.subscribe(() => {
    try {
      localStorage.setItem(key, JSON.stringify(store.get()))
    } catch {
      // Private mode or a full quota: the page still works for this visit.
    }
  })
  return store
}
