import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * The embedded default needs no setup: it makes an HS256 secret once and keeps it beside the
 * data (owner-only permissions), so tokens survive restarts. Production refuses to start without
 * a configured secret (see config).
 */
export function loadOrCreateDemoSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret')
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  fs.mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(48).toString('base64url')
  // 'wx' fails if another process created it meanwhile; then we read theirs.
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch {
    return fs.readFileSync(file, 'utf8').trim()
  }
}
