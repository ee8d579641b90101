import type { VodTemplate } from '../../../covers/model.js';
import { wireTime } from '../wire-time.js';
import type { Params } from '../params.js';
import type { WireObject } from '../render.js';
import { rpcErrors } from '../rpc-error.js';

/** VodTemplateInfo, as GetVodTemplate and ListVodTemplate show a template (TemplateConfig as it was given). */
export function vodTemplateToWire(t: VodTemplate): WireObject {
  return {
    Name: t.name, TemplateType: t.type, CreationTime: wireTime(t.createdAt), ModifyTime: wireTime(t.modifiedAt), VodTemplateId: t.id,
    // ours: no default snapshot template (VOD's default is a system one that smartcover does not need).
    IsDefault: 'NotDefault', TemplateConfig: t.config,
  };
}

/** TemplateType, which must be Snapshot: VOD's other VOD template types (Subtitle…) are not served here. */
export function snapshotTemplateType(p: Params): void {
  const type = p.required('TemplateType');
  if (type !== 'Snapshot') throw rpcErrors.invalid('TemplateType', `"${type.slice(0, 32)}" is not supported; use Snapshot.`);
}

/** A template's Name: at most 128 bytes. */
export function templateName(p: Params, required: boolean): string | undefined {
  const name = required ? p.required('Name') : p.optional('Name');
  if (name !== undefined && Buffer.byteLength(name) > 128) throw rpcErrors.invalid('Name', 'longer than 128 bytes.');
  return name;
}
