import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { templateToWire } from './wire.js';

export const listAITemplate = (s: ActionServices): RpcAction => ({
  name: 'ListAITemplate',
  async handle(p, ctx) {
    const type = p.required('TemplateType');
    if (type !== 'AIImage') throw rpcErrors.invalid('TemplateType', `"${type.slice(0, 32)}" is not supported; use AIImage.`);
    return { TemplateInfoList: (await s.templates.list(ctx.accountId)).map(templateToWire) };
  },
});
