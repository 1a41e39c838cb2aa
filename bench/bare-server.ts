/**
 * The baseline for the product-read benchmark: a bare node:http server that answers one path with a
 * fixed body (the bytes and content-type Floodgate returned for the same path) and 404 otherwise.
 * Started by bench/lib/server.ts as a child process, like Floodgate.
 */
import http from 'node:http'

const port = Number(process.env['PORT'])
const target = process.env['BARE_PATH'] ?? '/'
const body = Buffer.from(process.env['BARE_BODY'] ?? '{}')
const contentType = process.env['BARE_CONTENT_TYPE'] ?? 'application/json; charset=utf-8'

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === target) {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length })
    res.end(body)
  } else {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"status":404}')
  }
})
server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
