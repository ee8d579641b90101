import type { Cover } from '../../../covers/model.js';
import type { RpcAction } from '../gateway.js';
import type { WireObject } from '../render.js';
import type { ActionServices } from './services.js';
import { coverToWire } from './wire.js';

interface Rendered {
  readonly second: number;
  readonly baseUrl: string;
  readonly fields: WireObject;
}

export const listAIImageInfo = (s: ActionServices): RpcAction => {
  // The list is the API's hottest answer. While the store hands out the same cached covers, their wire form
  // (times, signed FileURLs) is the same for a whole second and a base URL, so it is built once per second,
  // and handed out as the same object (so that its JSON is kept too: see SuccessRenderer).
  const rendered = new WeakMap<readonly Cover[], Rendered>();
  return {
    name: 'ListAIImageInfo',
    async handle(p, ctx) {
      const covers = await s.covers.list(ctx.accountId, p.id('VideoId'));
      const second = Math.floor(ctx.now.getTime() / 1000);
      const hit = rendered.get(covers);
      if (hit !== undefined && hit.second === second && hit.baseUrl === ctx.baseUrl) return hit.fields;
      const fields = { AIImageInfoList: covers.map((c) => coverToWire(c, (path) => s.fileUrl(path, ctx.now, ctx.baseUrl))) };
      rendered.set(covers, { second, baseUrl: ctx.baseUrl, fields });
      return fields;
    },
  };
};
