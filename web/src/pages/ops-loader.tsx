/**
 * Loads the ops page (and uPlot with it) only when an admin opens it, so shoppers never download
 * the charting code: the shop's bundle stays as light as it was on sale day.
 */
import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { PageTitle } from '../ui'

export function OpsPageLoader() {
  const [Page, setPage] = useState<FunctionComponent>()
  useEffect(() => {
    import('./ops').then((m) => setPage(() => m.OpsPage))
  }, [])
  return Page ? <Page /> : <PageTitle>Operations</PageTitle>
}
