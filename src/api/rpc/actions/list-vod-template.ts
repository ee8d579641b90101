import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { snapshotTemplateType, vodTemplateToWire } from './vod-template-wire.js';

export const listVodTemplate = (s: ActionServices): RpcAction => ({
  name: 'ListVodTemplate',
  async handle(p, ctx) {
    snapshotTemplateType(p);
    return { VodTemplateInfoList: (await s.snapshots.templates(ctx.accountId)).map(vodTemplateToWire) };
  },
});
