import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { snapshotSpecFromTemplateConfig } from './snapshot-wire.js';
import { templateName } from './vod-template-wire.js';

export const updateVodTemplate = (s: ActionServices): RpcAction => ({
  name: 'UpdateVodTemplate',
  async handle(p, ctx) {
    const id = p.id('VodTemplateId');
    const name = templateName(p, false);
    const config = p.jsonObject('TemplateConfig', 4096);
    await s.snapshots.updateTemplate(ctx.accountId, id, {
      name, config: config === undefined ? undefined : { text: p.required('TemplateConfig'), spec: snapshotSpecFromTemplateConfig(config) },
    });
    return { VodTemplateId: id };
  },
});
