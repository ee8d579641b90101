import { useState } from 'preact/hooks';
import { api, messageOf, type Session } from './api.js';

/** The secret goes once, in the sign-in request; the browser keeps only the HttpOnly session cookie. */
export function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError('');
    try {
      const session = await api<Session>('POST', '/session', { accessKeyId: String(data.get('id') ?? '').trim(), accessKeySecret: String(data.get('secret') ?? '') });
      form.reset();
      onSignedIn(session);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="page narrow">
      <h1>smartcover</h1>
      <p>Sign in with an access key. The first one is printed when the server first starts, and kept in <code>data/credentials</code>.</p>
      {notice !== '' && <p role="status" class="notice">{notice}</p>}
      <form class="card stack" onSubmit={(e) => void submit(e)}>
        <label for="ak-id">AccessKey ID</label>
        <input id="ak-id" name="id" autocomplete="username" required spellcheck={false} />
        <label for="ak-secret">AccessKey Secret</label>
        <input id="ak-secret" name="secret" type="password" autocomplete="current-password" required />
        {error !== '' && <p role="alert" class="error">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
