/** Small JSON client for setting up benchmark data through Floodgate's own API. */

export interface ApiResponse {
  status: number
  text: string
  contentType: string
  json<T>(): T
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {}
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  return {
    status: res.status,
    text,
    contentType: res.headers.get('content-type') ?? '',
    json: <T>() => JSON.parse(text) as T,
  }
}

/** Like `call`, but throws unless the answer has the expected status. */
export async function expect<T>(
  status: number,
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<T> {
  const res = await call(base, method, path, opts)
  if (res.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`)
  }
  return res.json<T>()
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
