import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { templateConfigFromWire } from './wire.js';

export const addAITemplate = (s: ActionServices): RpcAction => ({
  name: 'AddAITemplate',
  async handle(p, ctx) {
    const name = p.required('TemplateName');
    if (Buffer.byteLength(name) > 128) throw rpcErrors.invalid('TemplateName', 'longer than 128 bytes.');
    const type = p.required('TemplateType');
    // ours: only AIImage exists here; AIMediaAudit is VOD's other AI template type.
    if (type !== 'AIImage') throw rpcErrors.invalid('TemplateType', `"${type.slice(0, 32)}" is not supported; use AIImage.`);
    p.required('TemplateConfig');
    const config = templateConfigFromWire(p.jsonObject('TemplateConfig', 4096)!);
    return { TemplateId: await s.templates.add(ctx.accountId, name, config) };
  },
});
