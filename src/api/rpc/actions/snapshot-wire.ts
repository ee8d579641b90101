import type { SnapshotKind, SnapshotSpec, SpriteSpec } from '../../../covers/model.js';
import { MAX_SHOTS } from '../../../engine/snapshot-plan.js';
import type { Params } from '../params.js';
import { rpcErrors } from '../rpc-error.js';

/** The colour names a sprite's background may have (HTML's sixteen), or #RRGGBB. */
const COLOURS = new Set(['black', 'white', 'red', 'green', 'blue', 'yellow', 'gray', 'grey', 'silver', 'maroon', 'olive', 'lime', 'aqua', 'teal', 'navy', 'fuchsia', 'purple']);
const KINDS: readonly SnapshotKind[] = ['NormalSnapshot', 'SpriteSnapshot', 'WebVttSnapshot'];
const MAX_OFFSETS = 30;

/** A number VOD takes as a JSON number or a string of one (SDKs send both): whole, within bounds. */
function whole(field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw rpcErrors.invalid(field, `must be a whole number from ${min} to ${max}.`);
  return n;
}

/** SpriteSnapshotConfig (`{}` is every default): cells, columns and lines, padding, margin, colour, KeepCellPic. */
export function spriteFromWire(config: Record<string, unknown>, field = 'SpriteSnapshotConfig'): SpriteSpec {
  const color = String(config['Color'] ?? 'Black');
  if (!COLOURS.has(color.toLowerCase()) && !/^#[0-9A-Fa-f]{6}$/.test(color)) throw rpcErrors.invalid(`${field}.Color`, `"${color.slice(0, 32)}" is not a colour name or #RRGGBB.`);
  const keep = String(config['KeepCellPic'] ?? 'delete');
  if (keep !== 'keep' && keep !== 'delete') throw rpcErrors.invalid(`${field}.KeepCellPic`, 'must be keep or delete.');
  return {
    cellWidth: whole(`${field}.CellWidth`, config['CellWidth'], 8, 4096),
    cellHeight: whole(`${field}.CellHeight`, config['CellHeight'], 8, 4096),
    columns: whole(`${field}.Columns`, config['Columns'], 1, 100) ?? 10,
    lines: whole(`${field}.Lines`, config['Lines'], 1, 100) ?? 10,
    padding: whole(`${field}.Padding`, config['Padding'], 0, 100) ?? 0,
    margin: whole(`${field}.Margin`, config['Margin'], 0, 100) ?? 0,
    color: color.startsWith('#') ? color : color.toLowerCase(),
    keepCells: keep === 'keep',
  };
}

interface SpecFields {
  readonly kind: SnapshotKind;
  readonly frameType: unknown;
  readonly count: unknown;
  readonly interval: unknown;
  readonly offset: unknown;
  readonly offsets: unknown;
  readonly width: unknown;
  readonly height: unknown;
  readonly sprite: Record<string, unknown> | undefined;
}

function specFrom(f: SpecFields, prefix: string): SnapshotSpec {
  const frameType = String(f.frameType ?? 'normal');
  if (frameType !== 'intra' && frameType !== 'normal') throw rpcErrors.invalid(`${prefix}FrameType`, 'must be intra or normal.');
  let offsetsMs: number[] | undefined;
  if (f.offsets !== undefined && f.offsets !== '') {
    let list = f.offsets;
    if (typeof list === 'string') {
      try {
        list = JSON.parse(list);
      } catch {
        throw rpcErrors.invalid(`${prefix}SpecifiedOffsetTimes`, 'must be a JSON array of milliseconds.');
      }
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_OFFSETS) throw rpcErrors.invalid(`${prefix}SpecifiedOffsetTimes`, `must be a JSON array of 1 to ${MAX_OFFSETS} times in milliseconds.`);
    offsetsMs = list.map((v) => whole(`${prefix}SpecifiedOffsetTimes`, v, 0, 100 * 3600 * 1000)!);
  }
  const sprite = f.kind === 'NormalSnapshot' ? undefined : spriteFromWire(f.sprite ?? {}, `${prefix}SpriteSnapshotConfig`);
  return {
    kind: f.kind, frameType,
    count: whole(`${prefix}Count`, f.count, 1, MAX_SHOTS) ?? 1,
    interval: whole(`${prefix}Interval`, f.interval, 0, 24 * 3600) ?? 1,
    offsetMs: whole(`${prefix}SpecifiedOffsetTime`, f.offset, 0, 100 * 3600 * 1000) ?? 0,
    ...(offsetsMs === undefined ? {} : { offsetsMs }),
    ...defined({ width: whole(`${prefix}Width`, f.width, 8, 4096), height: whole(`${prefix}Height`, f.height, 8, 4096) }),
    ...(sprite === undefined ? {} : { sprite }),
  };
}

/** SubmitSnapshotJob's own parameters: a sprite job when SpriteSnapshotConfig is given. */
export function snapshotSpecFromParams(p: Params): SnapshotSpec {
  const sprite = p.jsonObject('SpriteSnapshotConfig', 2048);
  return specFrom({
    kind: sprite === undefined ? 'NormalSnapshot' : 'SpriteSnapshot', frameType: undefined,
    count: p.optional('Count'), interval: p.optional('Interval'), offset: p.optional('SpecifiedOffsetTime'), offsets: p.optional('SpecifiedOffsetTimes'),
    width: p.optional('Width'), height: p.optional('Height'), sprite,
  }, '');
}

/**
 * A snapshot template's TemplateConfig:
 * `{"SnapshotType":…,"SnapshotConfig":{"FrameType":…,"Count":…,"Interval":…,"SpecifiedOffsetTime":…,"Width":…,"Height":…,"SpriteSnapshotConfig":{…}}}`.
 */
export function snapshotSpecFromTemplateConfig(config: Record<string, unknown>): SnapshotSpec {
  const kind = String(config['SnapshotType'] ?? 'NormalSnapshot') as SnapshotKind;
  if (!KINDS.includes(kind)) throw rpcErrors.invalid('TemplateConfig.SnapshotType', `must be one of ${KINDS.join(', ')}.`);
  const raw = config['SnapshotConfig'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw rpcErrors.invalid('TemplateConfig.SnapshotConfig', 'must be a JSON object.');
  const c = raw as Record<string, unknown>;
  const sprite = c['SpriteSnapshotConfig'];
  if (sprite !== undefined && (typeof sprite !== 'object' || sprite === null || Array.isArray(sprite))) throw rpcErrors.invalid('TemplateConfig.SnapshotConfig.SpriteSnapshotConfig', 'must be a JSON object.');
  if (kind === 'WebVttSnapshot' && c['Format'] !== undefined && c['Format'] !== 'vtt') throw rpcErrors.invalid('TemplateConfig.SnapshotConfig.Format', 'must be vtt.');
  return specFrom({
    kind, frameType: c['FrameType'], count: c['Count'], interval: c['Interval'], offset: c['SpecifiedOffsetTime'], offsets: c['SpecifiedOffsetTimes'],
    width: c['Width'], height: c['Height'], sprite: sprite as Record<string, unknown> | undefined,
  }, 'TemplateConfig.SnapshotConfig.');
}

function defined<T extends Record<string, number | undefined>>(values: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}
