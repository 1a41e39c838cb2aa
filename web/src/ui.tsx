import type { AnchorHTMLAttributes, ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { explain } from './api'
import { navigate } from './router'

/** Loads data for a page; `reload` fetches again (after a purchase, a claim, a cancel). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string }>({})
  const [generation, setGeneration] = useState(0)
  // The caller names the inputs that matter in `deps` (like useEffect's own list).
  useEffect(() => {
    let live = true
    load().then(
      (data) => live && setState({ data }),
      (error) => live && setState((s) => ({ ...s, error: explain(error) })),
    )
    return () => {
      live = false
    }
  }, [...deps, generation])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { ...state, reload }
}

/** A link handled by the storefront's router (no page load), still a real link for the browser. */
export function Link(props: AnchorHTMLAttributes & { href: string }) {
  const { href, ...rest } = props
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return
        event.preventDefault()
        navigate(href)
      }}
    />
  )
}

/** A result or a refusal, announced to screen readers. */
export function Notice(props: { kind: 'error' | 'success' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  )
}

/** A page's heading; focusable so that navigation can move focus to it. */
export function PageTitle(props: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{props.children}</h1>
}

export function SignInFirst(props: { what: string }) {
  return (
    <Notice kind="info">
      <Link href="/sign-in">Sign in</Link> to {props.what}.
    </Notice>
  )
}
