import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { vodTemplateToWire } from './vod-template-wire.js';

export const getVodTemplate = (s: ActionServices): RpcAction => ({
  name: 'GetVodTemplate',
  async handle(p, ctx) {
    return { VodTemplateInfo: vodTemplateToWire(await s.snapshots.template(ctx.accountId, p.id('VodTemplateId'))) };
  },
});
