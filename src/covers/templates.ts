import { AppError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { Template, TemplateConfig } from './model.js';

/** ours: built-in templates every account sees from the first start, so a job needs no set-up. */
export const SYSTEM_TEMPLATES: readonly Pick<Template, 'id' | 'name' | 'config'>[] = [
  { id: '00000000000000000000000000000001', name: 'Smart cover stills (PNG)', config: { format: 'png', setDefaultCover: true, count: 5 } },
  { id: '00000000000000000000000000000002', name: 'Smart cover preview (GIF)', config: { format: 'gif', setDefaultCover: false, count: 1 } },
];
const DEFAULT_SYSTEM_TEMPLATE = SYSTEM_TEMPLATES[0]!.id;

export interface TemplateView extends Template {
  readonly isDefault: boolean;
}

export class TemplateService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Creates the System templates if they are missing (every start; idempotent). */
  async ensureSystemTemplates(): Promise<void> {
    const now = this.deps.clock.now();
    for (const t of SYSTEM_TEMPLATES) {
      if ((await this.deps.store.findTemplate('', t.id)) !== undefined) continue;
      await this.deps.store.insertTemplate({ ...t, accountId: '', type: 'AIImage', source: 'System', createdAt: now, modifiedAt: now });
    }
  }

  async add(accountId: string, name: string, config: TemplateConfig): Promise<string> {
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    await this.deps.store.insertTemplate({ id, accountId, name, type: 'AIImage', config, source: 'Custom', createdAt: now, modifiedAt: now });
    return id;
  }

  async update(accountId: string, id: string, patch: { name?: string; config?: TemplateConfig }): Promise<void> {
    await this.ownCustom(accountId, id);
    await this.deps.store.updateTemplate(accountId, id, patch, this.deps.clock.now());
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.ownCustom(accountId, id);
    if ((await this.defaultId(accountId)) === id) {
      throw new AppError('conflict', 'The template is the default template and cannot be deleted.', { details: { resource: 'template' } });
    }
    await this.deps.store.deleteTemplate(accountId, id);
  }

  async get(accountId: string, id: string): Promise<TemplateView> {
    const template = await this.deps.store.findTemplate(accountId, id);
    if (template === undefined) throw templateNotFound();
    return { ...template, isDefault: (await this.defaultId(accountId)) === id };
  }

  async list(accountId: string): Promise<TemplateView[]> {
    const defaultId = await this.defaultId(accountId);
    return (await this.deps.store.listTemplates(accountId)).map((t) => ({ ...t, isDefault: t.id === defaultId }));
  }

  async setDefault(accountId: string, id: string): Promise<void> {
    if ((await this.deps.store.findTemplate(accountId, id)) === undefined) throw templateNotFound();
    await this.deps.store.setDefaultTemplate(accountId, id);
  }

  /** The account's default template: the one it chose, else the System PNG template. */
  async defaultId(accountId: string): Promise<string> {
    return (await this.deps.store.defaultTemplateId(accountId)) ?? DEFAULT_SYSTEM_TEMPLATE;
  }

  private async ownCustom(accountId: string, id: string): Promise<Template> {
    const template = await this.deps.store.findTemplate(accountId, id);
    if (template === undefined) throw templateNotFound();
    if (template.source === 'System') throw new AppError('forbidden', 'System templates cannot be changed or deleted.', { details: { resource: 'template' } });
    return template;
  }
}

function templateNotFound(): AppError {
  return new AppError('not_found', 'The template does not exist.', { details: { resource: 'template' } });
}
