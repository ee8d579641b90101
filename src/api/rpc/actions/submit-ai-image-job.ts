import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';

/** UserData: optional JSON object of at most 512 bytes; MessageCallback, when present, must be usable. */
export const submitAIImageJob = (s: ActionServices): RpcAction => ({
  name: 'SubmitAIImageJob',
  async handle(p, ctx) {
    const videoId = p.id('VideoId');
    const templateId = p.id('AITemplateId');
    const userData = p.jsonObject('UserData', 512);
    const callback = userData?.['MessageCallback'];
    if (callback !== undefined) {
      const c = callback as Record<string, unknown>;
      if (typeof c !== 'object' || c === null || (c['CallbackType'] ?? 'http') !== 'http' || typeof c['CallbackURL'] !== 'string' || !/^https?:\/\//.test(c['CallbackURL'])) {
        throw rpcErrors.invalid('UserData', 'MessageCallback needs CallbackType "http" and an http(s) CallbackURL.');
      }
    }
    return { JobId: await s.jobs.submit(ctx.accountId, videoId, templateId, p.optional('UserData') ?? '') };
  },
});
