import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';

export const deleteVodTemplate = (s: ActionServices): RpcAction => ({
  name: 'DeleteVodTemplate',
  async handle(p, ctx) {
    const id = p.id('VodTemplateId');
    await s.snapshots.deleteTemplate(ctx.accountId, id);
    return { VodTemplateId: id };
  },
});
