import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, messageOf, type Template } from './api.js';
import { useAction } from './use-action.js';

const MAX = { png: 20, gif: 5 } as const;

export function TemplatesPage() {
  const [templates, setTemplates] = useState<Template[]>([]);
  const [editing, setEditing] = useState<Template | null>(null);
  const load = useCallback(async () => {
    try {
      setTemplates((await api<{ templates: Template[] }>('GET', '/templates')).templates);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  const { error, setError, note, act } = useAction(load);
  useEffect(() => { void load(); }, [load]);
  return (
    <>
      <h1>Templates</h1>
      <p class="muted">A template says what a cover job makes: stills (PNG) or animated previews (GIF), how many, and whether the best becomes the video's cover.</p>
      {error !== '' && <p role="alert" class="error">{error}</p>}
      {note !== '' && error === '' && <p role="status" class="notice">{note}</p>}
      <ul class="templates">
        {templates.map((t) => (
          <li key={t.id} class="card row between wrap">
            <div>
              <strong>{t.name}</strong> {t.isDefault && <span class="badge good">Default</span>} {t.source === 'System' && <span class="badge">Built in</span>}
              <div class="muted">{t.count} {t.format === 'png' ? 'still' : 'animated preview'}{t.count > 1 ? 's' : ''} ({t.format.toUpperCase()}){t.setDefaultCover ? ' · sets the cover' : ''}</div>
            </div>
            <div class="row">
              {!t.isDefault && <button type="button" class="quiet" aria-label={`Make ${t.name} the default`} onClick={() => void act(() => api('POST', `/templates/${t.id}/default`), `${t.name} is now the default.`)}>Make default</button>}
              {t.source === 'Custom' && <button type="button" class="quiet" aria-label={`Edit ${t.name}`} onClick={() => setEditing(t)}>Edit</button>}
              {t.source === 'Custom' && !t.isDefault && (
                <button type="button" class="quiet danger" aria-label={`Delete ${t.name}`} onClick={() => { if (confirm(`Delete the template ${t.name}?`)) void act(() => api('DELETE', `/templates/${t.id}`), 'The template is deleted.'); }}>Delete</button>
              )}
            </div>
          </li>
        ))}
      </ul>
      <TemplateForm key={editing?.id ?? 'new'} template={editing}
        onCancel={() => setEditing(null)}
        onSave={async (body) => {
          const ok = await act(() => (editing === null ? api('POST', '/templates', body) : api('PUT', `/templates/${editing.id}`, body)), editing === null ? 'The template is added.' : 'The template is saved.');
          if (ok) setEditing(null);
          return ok;
        }} />
    </>
  );
}

function TemplateForm({ template, onSave, onCancel }: { template: Template | null; onSave: (body: object) => Promise<boolean>; onCancel: () => void }) {
  const [format, setFormat] = useState<'png' | 'gif'>(template?.format ?? 'png');
  return (
    <form class="card stack" aria-labelledby="template-form-heading" onSubmit={async (e) => {
      e.preventDefault();
      const form = e.currentTarget as HTMLFormElement;
      const data = new FormData(form);
      const ok = await onSave({ name: String(data.get('name') ?? '').trim(), format, count: Number(data.get('count')), setDefaultCover: data.get('setCover') === 'on' });
      if (ok && template === null) form.reset();
    }}>
      <h2 id="template-form-heading">{template === null ? 'Add a template' : `Edit ${template.name}`}</h2>
      <label for="t-name">Name</label>
      <input id="t-name" name="name" required maxLength={128} defaultValue={template?.name ?? ''} />
      <label for="t-format">Format</label>
      <select id="t-format" name="format" value={format} onChange={(e) => setFormat((e.currentTarget as HTMLSelectElement).value as 'png' | 'gif')}>
        <option value="png">Stills (PNG)</option>
        <option value="gif">Animated previews (GIF)</option>
      </select>
      <label for="t-count">Number of covers</label>
      <input id="t-count" name="count" type="number" min={1} max={MAX[format]} required defaultValue={String(template?.count ?? 5)} />
      <label class="check"><input name="setCover" type="checkbox" defaultChecked={template?.setDefaultCover ?? false} /> Make the best one the video's cover</label>
      <div class="row">
        <button type="submit">{template === null ? 'Add template' : 'Save template'}</button>
        {template !== null && <button type="button" class="quiet" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}
