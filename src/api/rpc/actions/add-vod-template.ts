import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { snapshotSpecFromTemplateConfig } from './snapshot-wire.js';
import { snapshotTemplateType, templateName } from './vod-template-wire.js';

export const addVodTemplate = (s: ActionServices): RpcAction => ({
  name: 'AddVodTemplate',
  async handle(p, ctx) {
    const name = templateName(p, true)!;
    snapshotTemplateType(p);
    p.required('TemplateConfig');
    const spec = snapshotSpecFromTemplateConfig(p.jsonObject('TemplateConfig', 4096)!);
    return { VodTemplateId: await s.snapshots.addTemplate(ctx.accountId, name, p.required('TemplateConfig'), spec) };
  },
});
