import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, busy, messageOf, stableUrl, type Video } from './api.js';
import { bytes, clock } from './describe.js';
import { Uploads } from './uploads.js';

const PAGE_SIZE = 12;

export function VideosPage() {
  const [videos, setVideos] = useState<Video[]>([]);
  const [total, setTotal] = useState(0);
  const [page, setPage] = useState(1);
  const [query, setQuery] = useState('');
  const [error, setError] = useState('');
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async () => {
    try {
      const answer = await api<{ videos: Video[]; total: number }>('GET', `/videos?page=${page}&pageSize=${PAGE_SIZE}&q=${encodeURIComponent(query)}`);
      for (const v of answer.videos) v.coverUrl = stableUrl(`cover-of:${v.id}:${new URL(v.coverUrl || 'x:', location.href).pathname}`, v.coverUrl);
      setVideos(answer.videos);
      setTotal(answer.total);
      setError('');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoaded(true);
    }
  }, [page, query]);

  useEffect(() => { void load(); }, [load]);
  // While anything is uploading or being worked on, the list follows it.
  useEffect(() => {
    if (!videos.some(busy)) return;
    const timer = setTimeout(() => void load(), 2000);
    return () => clearTimeout(timer);
  }, [videos, load]);

  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <>
      <h1>Videos</h1>
      <Uploads onChange={() => void load()} />
      <section aria-labelledby="list-heading">
        <div class="row between">
          <h2 id="list-heading">Your videos <span class="muted">({total})</span></h2>
          <Search onSearch={(q) => { setPage(1); setQuery(q); }} />
        </div>
        {error !== '' && <p role="alert" class="error">{error}</p>}
        {loaded && videos.length === 0 && error === '' && (
          <p class="muted">{query === '' ? 'No videos yet. Upload one above.' : `No video has “${query}” in its title.`}</p>
        )}
        <ul class="videos">
          {videos.map((v) => <VideoRow key={v.id} video={v} />)}
        </ul>
        {pages > 1 && (
          <nav class="row pager" aria-label="Pages">
            <button type="button" class="quiet" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous page</button>
            <span>Page {page} of {pages}</span>
            <button type="button" class="quiet" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next page</button>
          </nav>
        )}
      </section>
    </>
  );
}

function Search({ onSearch }: { onSearch: (q: string) => void }) {
  const timer = useRef<ReturnType<typeof setTimeout>>();
  return (
    <form role="search" class="row" onSubmit={(e) => e.preventDefault()}>
      <label for="search">Search by title</label>
      <input id="search" type="search" onInput={(e) => {
        const value = (e.currentTarget as HTMLInputElement).value.trim();
        clearTimeout(timer.current);
        timer.current = setTimeout(() => onSearch(value), 250);
      }} />
    </form>
  );
}

function VideoRow({ video }: { video: Video }) {
  return (
    <li class="video card">
      <a href={`#/videos/${video.id}`} class="thumb" aria-label={`Open ${video.title}`}>
        {video.coverUrl !== '' ? <img src={video.coverUrl} alt="" loading="lazy" /> : <span class="placeholder" aria-hidden="true">No cover yet</span>}
      </a>
      <div class="meta">
        <a href={`#/videos/${video.id}`} class="title">{video.title}</a>
        <span class="muted">{video.duration > 0 ? clock(video.duration) : '–'} · {bytes(video.size)}</span>
        <span><StatusBadge video={video} /></span>
      </div>
    </li>
  );
}

export function StatusBadge({ video }: { video: Video }) {
  const job = video.job;
  const state = video.status === 'Normal'
    ? job === null ? 'Ready' : job.status === 'success' ? 'Covers ready' : job.status === 'fail' ? 'Covers failed' : 'Making covers…'
    : video.status === 'UploadFail' ? 'Upload failed' : video.status === 'UploadSucc' ? 'Checking the file…' : 'Uploading…';
  const tone = state.includes('failed') ? 'bad' : state.endsWith('…') ? 'busy' : 'good';
  return <span class={`badge ${tone}`} title={video.status === 'UploadFail' ? video.errorMessage : job?.status === 'fail' ? job.message : undefined}>{state}</span>;
}
