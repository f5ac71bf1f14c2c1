import { Layout } from './layout.js';

export interface LoginProps {
  enabled: boolean;
  next: string;
  error?: string;
  loggedIn: boolean;
}

/** The key form: a key typed here becomes a session cookie, so the pages work without a header. */
export function LoginPage(props: LoginProps) {
  return (
    <Layout title="Log in" nav="login" canLogOut={props.loggedIn}>
      <h1>Log in</h1>
      {props.enabled ? (
        <section class="card">
          {props.error ? (
            <p class="error" role="alert">
              {props.error}
            </p>
          ) : null}
          <form class="login" method="post" action="/login">
            <input type="hidden" name="next" value={props.next} />
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required />
            <button type="submit">Log in</button>
          </form>
          <p class="muted">An admin key (from QUIZFORGE_ADMIN_KEYS) is needed to replay or discard dead jobs.</p>
        </section>
      ) : (
        <section class="card">
          <p>
            No keys are configured, so the service listens on loopback only and needs no login. <a href="/">Go to the dashboard</a>.
          </p>
        </section>
      )}
    </Layout>
  );
}

export function LogoutPage() {
  return (
    <Layout title="Log out" nav="login" canLogOut={false}>
      <h1>Log out</h1>
      <form method="post" action="/logout">
        <button type="submit">Log out</button>
      </form>
    </Layout>
  );
}
