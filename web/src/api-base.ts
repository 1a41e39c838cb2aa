/**
 * Where a call goes. The typed client speaks the contract's paths (`/api/v1/...`); a build names
 * its API base with `VITE_API_URL`: the same origin by default, another host for a storefront
 * deployed on its own, or `/api` for what an old build called (the unversioned aliases).
 * Pure, so it is unit-tested without a browser.
 */
export function toApiUrl(requestUrl: string, apiBase: URL): URL {
  const url = new URL(requestUrl)
  const rest = url.pathname.startsWith('/api/v1/') ? url.pathname.slice('/api/v1'.length) : null
  const base = apiBase.pathname.replace(/\/$/, '')
  // Paths outside /api/v1 (the named deprecated aliases) keep their own path on the API's host.
  return new URL(`${rest === null ? url.pathname : `${base}${rest}`}${url.search}`, apiBase.origin)
}

/** True when the base is the unversioned prefix: the build behaves as an old storefront did. */
export const isLegacyBase = (apiBase: URL) => /\/api\/?$/.test(apiBase.pathname)
