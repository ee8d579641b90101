import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { jobToWire } from './wire.js';

export const getAIImageJobs = (s: ActionServices): RpcAction => ({
  name: 'GetAIImageJobs',
  async handle(p, ctx) {
    return { AIImageJobList: (await s.jobs.get(ctx.accountId, p.idList('JobIds', 10))).map(jobToWire) };
  },
});
