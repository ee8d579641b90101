import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf, attachSession, type Session } from './api.js';
import { SignIn } from './sign-in.js';
import { TemplatesPage } from './templates-page.js';
import { VideoPage } from './video-page.js';
import { VideosPage } from './videos-page.js';

/** Pages by hash (#/videos, #/videos/<id>, #/templates): no server routes, and a reload keeps the page. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/videos';
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const route = useRoute();
  const signedOut = () => setSession(null);

  useEffect(() => {
    api<Session>('GET', '/session').then(
      (s) => { attachSession(s.csrfToken, signedOut); setSession(s); },
      (e: unknown) => { if (!(e instanceof ApiError && e.status === 401)) setNotice(messageOf(e)); setSession(null); },
    );
  }, []);

  useEffect(() => {
    const title = route.startsWith('/templates') ? 'Templates' : route.startsWith('/videos/') ? 'Video' : 'Videos';
    document.title = session ? `${title} · smartcover` : 'Sign in · smartcover';
  }, [route, session]);

  if (session === undefined) return <main class="page"><p role="status">Loading…</p></main>;
  if (session === null) {
    return <SignIn notice={notice} onSignedIn={(s) => { attachSession(s.csrfToken, signedOut); setNotice(''); setSession(s); }} />;
  }
  const signOut = async () => {
    try {
      await api('DELETE', '/session');
    } finally {
      setNotice('You are signed out.');
      setSession(null);
    }
  };
  const video = /^\/videos\/([0-9a-f]{32})$/.exec(route)?.[1];
  return (
    <>
      <header class="bar">
        <a class="brand" href="#/videos">smartcover</a>
        <nav aria-label="Main">
          <a href="#/videos" aria-current={route.startsWith('/videos') ? 'page' : undefined}>Videos</a>
          <a href="#/templates" aria-current={route.startsWith('/templates') ? 'page' : undefined}>Templates</a>
        </nav>
        <span class="who" title="The access key you signed in with">{session.accessKeyId}</span>
        <button type="button" class="quiet" onClick={() => void signOut()}>Sign out</button>
      </header>
      <main class="page" id="main">
        {video !== undefined ? <VideoPage id={video} /> : route.startsWith('/templates') ? <TemplatesPage /> : <VideosPage />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
