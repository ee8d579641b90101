import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { coverToWire } from './wire.js';

export const listAIImageInfo = (s: ActionServices): RpcAction => ({
  name: 'ListAIImageInfo',
  async handle(p, ctx) {
    const covers = await s.covers.list(ctx.accountId, p.id('VideoId'));
    return { AIImageInfoList: covers.map((c) => coverToWire(c, (path) => s.fileUrl(path, ctx.now, ctx.baseUrl))) };
  },
});
