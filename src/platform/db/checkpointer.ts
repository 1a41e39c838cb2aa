/**
 * WAL checkpoints copy committed pages into the database file and fsync it: milliseconds of
 * blocking I/O. Left to SQLite's auto-checkpoint they run inside whichever commit crosses the
 * threshold, on the event loop, stalling every request. This worker runs them on its own
 * connection instead (a PASSIVE checkpoint never blocks writers); the main connection's
 * auto-checkpoint stays as a high safety net in case the worker dies.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads'
import SqliteDatabase from 'better-sqlite3'

const INTERVAL_MS = 250

if (parentPort && workerData?.floodgateCheckpointer) {
  const db = new SqliteDatabase(workerData.file as string)
  db.pragma('busy_timeout = 1000')
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)')
    } catch {
      // Busy or locked: the next tick tries again; the safety net covers a long outage.
    }
  }, INTERVAL_MS)
  parentPort.on('message', (message) => {
    if (message === 'stop') {
      clearInterval(timer)
      db.close()
      parentPort?.close()
    }
  })
}

/** Starts checkpointing `file` in a worker thread; resolves the stop function. */
export function startCheckpointer(file: string): { stop(): Promise<void> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: { floodgateCheckpointer: true, file } })
  worker.unref()
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.ref() // keep the process alive until the worker has closed its connection
        worker.once('exit', () => resolve())
        worker.postMessage('stop')
      }),
  }
}
