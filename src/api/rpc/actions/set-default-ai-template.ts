import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';

export const setDefaultAITemplate = (s: ActionServices): RpcAction => ({
  name: 'SetDefaultAITemplate',
  async handle(p, ctx) {
    const id = p.id('TemplateId');
    await s.templates.setDefault(ctx.accountId, id);
    return { TemplateId: id };
  },
});
