import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';

export const deleteAITemplate = (s: ActionServices): RpcAction => ({
  name: 'DeleteAITemplate',
  async handle(p, ctx) {
    const id = p.id('TemplateId');
    await s.templates.delete(ctx.accountId, id);
    return { TemplateId: id };
  },
});
