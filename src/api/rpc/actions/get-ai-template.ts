import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { templateToWire } from './wire.js';

export const getAITemplate = (s: ActionServices): RpcAction => ({
  name: 'GetAITemplate',
  async handle(p, ctx) {
    return { TemplateInfo: templateToWire(await s.templates.get(ctx.accountId, p.id('TemplateId'))) };
  },
});
