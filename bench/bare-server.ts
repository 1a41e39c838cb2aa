/**
 * The baselines of two benchmarks, a bare node:http server started by bench/lib/server.ts as a
 * child process, like Floodgate:
 * - the product read: answers one path with a fixed body (the bytes and content-type Floodgate
 *   returned for the same path) and 404 otherwise;
 * - the floor under a refusal (`BARE_REFUSAL` set): answers every request but its readiness check
 *   with one fixed answer, a refusal Floodgate sent (status, headers and body), so what is left of a
 *   refusal's cost is Node's own HTTP work.
 */
import http from 'node:http'

const port = Number(process.env['PORT'])
const target = process.env['BARE_PATH'] ?? '/'
const body = Buffer.from(process.env['BARE_BODY'] ?? '{}')
const contentType = process.env['BARE_CONTENT_TYPE'] ?? 'application/json; charset=utf-8'
const refusal = process.env['BARE_REFUSAL'] ? parseRefusal(process.env['BARE_REFUSAL']) : undefined

interface Refusal {
  status: number
  headers: Record<string, string>
  body: Buffer
}

function parseRefusal(json: string): Refusal {
  const { status, headers, body } = JSON.parse(json) as {
    status: number
    headers: Record<string, string>
    body: string
  }
  const bytes = Buffer.from(body)
  return { status, headers: { ...headers, 'content-length': String(bytes.length) }, body: bytes }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === target) {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length })
    res.end(body)
  } else if (refusal) {
    res.writeHead(refusal.status, refusal.headers)
    res.end(refusal.body)
  } else {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"status":404}')
  }
})
server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
