/**
 * The shell of a self-contained HTML page: uPlot's script and stylesheet are inlined from
 * node_modules and the data is embedded as JSON, so the file opens anywhere with no network.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const uplotDir = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'))
let assets: { js: string; css: string } | undefined

function uplot() {
  assets ??= {
    js: fs.readFileSync(path.join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(path.join(uplotDir, 'uPlot.min.css'), 'utf8'),
  }
  return assets
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** JSON that cannot close the script element that holds it. */
export const embedJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c')

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#5a6475;margin-bottom:16px}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #e3e6ec;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f5f6f9;font-weight:600}
.pass{color:#0a7d32;font-weight:700}.fail{color:#c0262d;font-weight:700}
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:700;margin:8px 0}
.verdict.pass{background:#0a7d32;color:#fff}.verdict.fail{background:#c0262d;color:#fff}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px 24px}.chart{min-height:300px}
.note{color:#5a6475;font-size:13px}
`

export function page(opts: { title: string; body: string; data: unknown; script: string }): string {
  const { js, css } = uplot()
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${css}</style><style>${STYLE}</style>
</head><body>
${opts.body}
<script type="application/json" id="data">${embedJson(opts.data)}</script>
<script>${js}</script>
<script>${opts.script}</script>
</body></html>
`
}
