/**
 * The storefront build: `npm run build:web` writes web/dist, which the server serves at `/`.
 * `VITE_API_URL` (read by Vite at build time) points a build at another API, e.g. for a separate
 * deployment; the default is the same origin.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Preact's JSX runtime through Vite's own transform: no Babel preset needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
