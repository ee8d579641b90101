import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { snapshotSpecFromParams } from './snapshot-wire.js';
import { userDataParam } from './user-data.js';

export const submitSnapshotJob = (s: ActionServices): RpcAction => ({
  name: 'SubmitSnapshotJob',
  async handle(p, ctx) {
    const videoId = p.id('VideoId');
    const templateId = p.optional('SnapshotTemplateId') === undefined ? undefined : p.id('SnapshotTemplateId');
    // With a template everything else is ignored (VOD's rule), so nothing else is checked either.
    const spec = templateId === undefined ? snapshotSpecFromParams(p) : { kind: 'NormalSnapshot' as const, frameType: 'normal' as const, count: 1, interval: 1, offsetMs: 0 };
    const jobId = await s.snapshots.submit(ctx.accountId, { videoId, templateId, spec, userData: userDataParam(p), baseUrl: ctx.baseUrl });
    return { SnapshotJob: { JobId: jobId } };
  },
});
