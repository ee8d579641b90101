import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { templateConfigFromWire } from './wire.js';

export const updateAITemplate = (s: ActionServices): RpcAction => ({
  name: 'UpdateAITemplate',
  async handle(p, ctx) {
    const id = p.id('TemplateId');
    const name = p.optional('TemplateName');
    if (name !== undefined && Buffer.byteLength(name) > 128) throw rpcErrors.invalid('TemplateName', 'longer than 128 bytes.');
    const raw = p.jsonObject('TemplateConfig', 4096);
    await s.templates.update(ctx.accountId, id, { name, config: raw === undefined ? undefined : templateConfigFromWire(raw) });
    return { TemplateId: id };
  },
});
