import { useRef, useState } from 'preact/hooks';
import { api, messageOf } from './api.js';
import { bytes } from './describe.js';
import { OssUpload } from './oss-upload.js';

interface Item {
  readonly id: number;
  upload: OssUpload;
  loaded: number;
  state: 'uploading' | 'done' | 'failed';
  error: string;
}

/** Upload by file picker or drag and drop (several at once, each with its progress and a retry), or by URL. */
export function Uploads({ onChange }: { onChange: () => void }) {
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [urlError, setUrlError] = useState('');
  const [urlNote, setUrlNote] = useState('');
  const next = useRef(0);
  const refresh = () => setItems((list) => [...list]);

  const run = async (item: Item) => {
    item.state = 'uploading';
    item.error = '';
    refresh();
    try {
      await item.upload.start();
      item.state = 'done';
      item.loaded = item.upload.file.size;
    } catch (e) {
      item.state = 'failed';
      item.error = messageOf(e);
    }
    refresh();
    onChange();
  };

  const add = (files: FileList | null) => {
    if (files === null) return;
    const added = [...files].map((file): Item => {
      const item = { id: next.current++, loaded: 0, state: 'uploading', error: '' } as Item;
      item.upload = new OssUpload(file, (p) => { item.loaded = p.loaded; refresh(); });
      return item;
    });
    setItems((list) => [...added, ...list]);
    for (const item of added) void run(item);
  };

  const byUrl = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const url = String(new FormData(form).get('url') ?? '').trim();
    setUrlError('');
    setUrlNote('');
    try {
      await api('POST', '/videos/url', { url });
      form.reset();
      setUrlNote('Added. The server is fetching the video; it appears in the list below.');
      onChange();
    } catch (e) {
      setUrlError(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="upload-heading" class={`card drop${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => { e.preventDefault(); setDragging(false); add(e.dataTransfer?.files ?? null); }}>
      <h2 id="upload-heading">Add videos</h2>
      <div class="row wrap">
        <label for="upload-input" class="button">Upload video</label>
        <input id="upload-input" class="visually-hidden" type="file" accept="video/*,.mkv,.ts,.flv,.avi,.mov" multiple
          onChange={(e) => { const input = e.currentTarget as HTMLInputElement; add(input.files); input.value = ''; }} />
        <span class="muted">or drop video files here</span>
      </div>
      {items.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {items.map((item) => {
            const name = item.upload.file.name;
            return (
              <li key={item.id} class="upload">
                <span class="name">{name}</span>
                <progress aria-label={`Upload of ${name}`} max={item.upload.file.size || 1} value={item.state === 'done' ? item.upload.file.size || 1 : item.loaded} />
                <span class="muted" role={item.state === 'failed' ? 'alert' : undefined}>
                  {item.state === 'done' ? 'Uploaded.' : item.state === 'failed' ? `Failed: ${item.error}` : `${bytes(item.loaded)} of ${bytes(item.upload.file.size)}`}
                </span>
                {item.state === 'failed' && <button type="button" class="quiet" aria-label={`Retry upload of ${name}`} onClick={() => void run(item)}>Retry</button>}
              </li>
            );
          })}
        </ul>
      )}
      <form class="row wrap" onSubmit={(e) => void byUrl(e)}>
        <label for="video-url">Video URL</label>
        <input id="video-url" name="url" type="url" placeholder="https://example.com/video.mp4" required />
        <button type="submit">Add from URL</button>
      </form>
      {urlError !== '' && <p role="alert" class="error">{urlError}</p>}
      {urlNote !== '' && <p role="status">{urlNote}</p>}
    </section>
  );
}
