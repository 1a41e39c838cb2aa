import { busy } from './api'
import { useStore } from './store'

/** Shown while a call waits out a 429/503; the call retries on its own, the shopper need not click. */
export function BusyBanner() {
  const state = useStore(busy)
  return (
    <div class="busy" role="status" aria-live="polite">
      {state && (
        <p>
          The shop is very busy right now. We will try again automatically in{' '}
          {Math.max(1, Math.round(state.retryInMs / 1000))} s. Please keep this page open.
        </p>
      )}
    </div>
  )
}
