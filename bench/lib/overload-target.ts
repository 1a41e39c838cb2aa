/**
 * The servers the overload proof loads: Floodgate on the embedded default (SQLite, in-process
 * everything) or in production mode (MariaDB + Redis), one process each, with the admission
 * pipeline on or off. Per-IP limits are off (the generator is one IP); per-user limits keep their
 * defaults, since every virtual user is a real user with a token.
 */
import { openFleet } from './fleet.js'
import { makeTempDir, type Placement, randomSecret, startFloodgate } from './server.js'

export type Mode = 'embedded' | 'production'

export interface Target {
  mode: Mode
  admission: boolean
  url: string
  pid: number
  secret: string
  stop(): Promise<void>
  /**
   * Production mode: a fresh server process in this one's place, on the same database and Redis
   * (`url` and `pid` change). Tells the server's own state from the data's.
   */
  restart?(): Promise<void>
}

/** Stopping twice (a `finally` after an early stop) is harmless. */
const once = (stop: () => Promise<void>) => {
  let stopping: Promise<void> | undefined
  return () => {
    stopping ??= stop()
    return stopping
  }
}

export async function startTarget(
  mode: Mode,
  admission: boolean,
  extraEnv: Record<string, string> = {},
  /** e.g. `--cpu-prof` to see where a run's time went. */
  nodeArgs: string[] = [],
  /** Where the server runs: cores to pin it to, the share of a core it may use. */
  placement: Placement = {},
): Promise<Target> {
  const env = {
    FLOODGATE_ADMISSION: admission ? 'on' : 'off',
    RATE_LIMIT_USER_RATE: '10',
    RATE_LIMIT_IP_RATE: '0',
    // The generator is the load balancer here (it stamps X-Request-Start): trusted, as one would be.
    TRUST_PROXY: '127.0.0.0/8',
    ...extraEnv,
  }
  if (mode === 'embedded') {
    const temp = makeTempDir()
    const secret = randomSecret()
    const server = await startFloodgate({
      dataDir: temp.dir,
      seed: 'none',
      jwtSecret: secret,
      env,
      nodeArgs,
      placement,
    })
    return {
      mode,
      admission,
      url: server.url,
      pid: server.pid,
      secret,
      stop: once(async () => {
        await server.stop()
        temp.remove()
      }),
    }
  }
  const fleet = await openFleet({ instances: 1, buyers: 0, env, nodeArgs, placement })
  const server = fleet.instances[0]!
  const target: Target = {
    mode,
    admission,
    url: server.url,
    pid: server.pid,
    secret: fleet.secret,
    stop: once(() => fleet.close()),
    async restart() {
      const fresh = await fleet.restart(0)
      target.url = fresh.url
      target.pid = fresh.pid
    },
  }
  return target
}
