import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { userDataParam } from './user-data.js';

export const submitAIImageJob = (s: ActionServices): RpcAction => ({
  name: 'SubmitAIImageJob',
  async handle(p, ctx) {
    const videoId = p.id('VideoId');
    const templateId = p.id('AITemplateId');
    return { JobId: await s.jobs.submit(ctx.accountId, videoId, templateId, userDataParam(p)) };
  },
});
