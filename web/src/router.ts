import { createStore } from './store'

/** The page address; the server answers every page address with index.html (src/http/storefront.ts). */
export const route = createStore(location.pathname)

export function navigate(path: string): void {
  if (path === location.pathname) return
  history.pushState(null, '', path)
  route.set(path)
  // A new page: move focus to its heading so keyboard and screen-reader users start there.
  queueMicrotask(() => document.querySelector<HTMLElement>('main h1')?.focus())
}

addEventListener('popstate', () => route.set(location.pathname))
