import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';

export const deleteAIImageInfos = (s: ActionServices): RpcAction => ({
  name: 'DeleteAIImageInfos',
  async handle(p, ctx) {
    await s.covers.delete(ctx.accountId, p.idList('AIImageInfoIds', 10));
    return {};
  },
});
