import { useState } from 'preact/hooks'
import { api, explain, ok } from '../api'
import { navigate } from '../router'
import { DEMO_USERS, session } from '../session'
import { Notice, PageTitle } from '../ui'

export function SignInPage() {
  const [userId, setUserId] = useState<number>(DEMO_USERS[0].id)
  const [error, setError] = useState<string>()
  const [pending, setPending] = useState(false)
  return (
    <>
      <PageTitle>Sign in</PageTitle>
      <form
        class="panel"
        onSubmit={async (event) => {
          event.preventDefault()
          setPending(true)
          setError(undefined)
          try {
            session.set(await ok(api.POST('/api/v1/demo/sign-in', { body: { userId } })))
            navigate('/')
          } catch (e) {
            setError(explain(e))
          } finally {
            setPending(false)
          }
        }}
      >
        <fieldset>
          <legend>Choose a demo shopper</legend>
          {DEMO_USERS.map((u) => (
            <label key={u.id} class="choice">
              <input
                type="radio"
                name="user"
                value={u.id}
                checked={userId === u.id}
                onChange={() => setUserId(u.id)}
              />
              {u.name} <span class="muted">({u.role === 'admin' ? 'admin' : `customer ${u.id}`})</span>
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        {error && <Notice kind="error">{error}</Notice>}
      </form>
    </>
  )
}
