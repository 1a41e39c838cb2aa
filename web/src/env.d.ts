/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API base, version prefix included (default `/api/v1`, same origin). `/api` = an old build. */
  readonly VITE_API_URL?: string
}
