import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, messageOf, stableUrl, type Cover, type Job, type Template, type Video } from './api.js';
import { CoverCard } from './cover-card.js';
import { bytes, clock } from './describe.js';
import { FramePicker } from './frame-picker.js';
import { useAction } from './use-action.js';
import { StatusBadge } from './videos-page.js';

interface Page { video: Video; sourceUrl: string; covers: Cover[]; jobs: Job[] }

export function VideoPage({ id }: { id: string }) {
  const [page, setPage] = useState<Page>();
  const [templates, setTemplates] = useState<Template[]>([]);
  const load = useCallback(async () => {
    try {
      const answer = await api<Page>('GET', `/videos/${id}`);
      answer.sourceUrl = stableUrl(`source:${id}`, answer.sourceUrl);
      for (const c of answer.covers) c.url = stableUrl(`cover:${c.id}`, c.url);
      setPage(answer);
      setError('');
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);
  const { error, setError, note, act } = useAction(load);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { void api<{ templates: Template[] }>('GET', '/templates').then((t) => setTemplates(t.templates), () => {}); }, []);
  const working = page !== undefined && (page.jobs.some((j) => j.status === 'init' || j.status === 'processing') || page.video.status === 'Uploading' || page.video.status === 'UploadSucc');
  useEffect(() => {
    if (!working) return;
    const timer = setTimeout(() => void load(), 1500);
    return () => clearTimeout(timer);
  }, [page, working, load]);


  if (page === undefined) return error === '' ? <p role="status">Loading…</p> : <p role="alert" class="error">{error} <a href="#/videos">Back to all videos</a></p>;
  const { video, covers, jobs } = page;
  const running = jobs.find((j) => j.status === 'init' || j.status === 'processing');
  const failed = jobs[0]?.status === 'fail' ? jobs[0] : undefined;
  return (
    <>
      <p><a href="#/videos">← All videos</a></p>
      <h1>{video.title}</h1>
      <p class="muted">
        <StatusBadge video={video} /> {video.duration > 0 && <>· {clock(video.duration)} </>}· {bytes(video.size)}
        {video.width > 0 && <> · {video.width}×{video.height}{video.fps > 0 && <> at {Math.round(video.fps * 100) / 100} fps</>}</>}
      </p>
      {video.status === 'UploadFail' && <p role="alert" class="error">The upload failed: {video.errorMessage} Upload the file again, or try another format.</p>}
      {error !== '' && <p role="alert" class="error">{error}</p>}
      {note !== '' && error === '' && <p role="status" class="notice">{note}</p>}

      {page.sourceUrl !== '' && (
        <FramePicker src={page.sourceUrl} fps={video.fps} duration={video.duration}
          onUse={async (time, setCover) => { await act(() => api('POST', `/videos/${id}/frames`, { time, setCover }), `Making a still at ${time.toFixed(3)} s. It appears with the candidates when it is ready.`); }} />
      )}

      <section aria-labelledby="generate-heading" class="card">
        <h2 id="generate-heading">Generate covers</h2>
        <form class="row wrap" onSubmit={(e) => {
          e.preventDefault();
          const templateId = String(new FormData(e.currentTarget as HTMLFormElement).get('template') ?? '');
          void act(() => api('POST', `/videos/${id}/jobs`, { templateId }), 'Cover job submitted.');
        }}>
          <label for="template">Template</label>
          <select id="template" name="template">
            {templates.map((t) => <option key={t.id} value={t.id} selected={t.isDefault}>{t.name} ({t.count} {t.format.toUpperCase()})</option>)}
          </select>
          <button type="submit" disabled={video.status !== 'Normal'}>Generate covers</button>
        </form>
        {video.status !== 'Normal' && <p class="muted">Covers can be made once the video is uploaded and checked.</p>}
        {running !== undefined && (
          <p role="status" class="row">
            <progress aria-label="Job progress" />
            {running.frameTime !== null ? `Rendering the frame at ${running.frameTime.toFixed(3)} s…` : `Looking for the best ${running.count > 1 ? `${running.count} ` : ''}${running.format === 'gif' ? 'previews' : 'stills'}… (${running.status === 'init' ? 'queued' : 'working'})`}
          </p>
        )}
        {failed !== undefined && running === undefined && <p role="alert" class="error">The last job failed: {failed.message}</p>}
      </section>

      <section aria-labelledby="covers-heading">
        <h2 id="covers-heading">Candidates <span class="muted">({covers.length}, best first)</span></h2>
        {covers.length === 0 && <p class="muted">No covers yet. Generate some, or pick a frame in the player.</p>}
        <ul class="covers">
          {covers.map((c) => (
            <CoverCard key={c.id} cover={c}
              onUse={() => act(() => api('POST', `/videos/${id}/cover`, { coverId: c.id }), 'The cover is set.')}
              onDelete={() => act(() => api('DELETE', `/videos/${id}/covers/${c.id}`), 'The candidate is deleted.')} />
          ))}
        </ul>
      </section>
    </>
  );
}
