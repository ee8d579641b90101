import { TEMPLATE_COUNT, type Cover, type Job, type TemplateConfig, type Video } from '../../../covers/model.js';
import type { TemplateView } from '../../../covers/templates.js';
import { wireTime } from '../wire-time.js';
import type { WireObject } from '../render.js';
import { rpcErrors } from '../rpc-error.js';

/** Domain values in VOD's wire names: the only place that knows the PascalCase fields. */

/** Turns an unsigned cover path into a signed FileURL. */
export type SignUrl = (path: string) => string;

export function templateConfigToWire(config: TemplateConfig): string {
  return JSON.stringify({ Format: config.format, SetDefaultCover: String(config.setDefaultCover), Count: config.count });
}


/**
 * TemplateConfig for AIImage: Format (gif|png) and SetDefaultCover ("true"|"false") required, as VOD
 * documents; ours: Count, how many covers (png 1–20, default 5; gif 1–5, default 1). Unknown keys are refused.
 */
export function templateConfigFromWire(raw: Record<string, unknown>): TemplateConfig {
  const unknown = Object.keys(raw).filter((k) => !['Format', 'SetDefaultCover', 'Count'].includes(k));
  if (unknown.length > 0) throw rpcErrors.invalid('TemplateConfig', `unknown key ${JSON.stringify(unknown[0])}; allowed: Format, SetDefaultCover, Count.`);
  const format = raw['Format'];
  if (format !== 'gif' && format !== 'png') throw rpcErrors.invalid('TemplateConfig', 'Format must be "gif" or "png".');
  const setDefault = raw['SetDefaultCover'];
  if (!['true', 'false', true, false].includes(setDefault as string | boolean)) throw rpcErrors.invalid('TemplateConfig', 'SetDefaultCover must be "true" or "false".');
  const rawCount = raw['Count'] ?? TEMPLATE_COUNT[format].default;
  const count = typeof rawCount === 'string' && /^\d+$/.test(rawCount) ? Number(rawCount) : rawCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > TEMPLATE_COUNT[format].max) {
    throw rpcErrors.invalid('TemplateConfig', `Count must be a whole number from 1 to ${TEMPLATE_COUNT[format].max} for ${format}.`);
  }
  return { format, setDefaultCover: setDefault === true || setDefault === 'true', count };
}

export function templateToWire(t: TemplateView): WireObject {
  return {
    TemplateId: t.id, TemplateName: t.name, TemplateType: t.type, TemplateConfig: templateConfigToWire(t.config), Source: t.source,
    IsDefault: t.isDefault ? 'Default' : 'NotDefault', CreationTime: wireTime(t.createdAt), ModifyTime: wireTime(t.modifiedAt),
  };
}

export function jobToWire(job: Job): WireObject {
  return {
    JobId: job.id, VideoId: job.videoId, Status: job.status, Code: job.code, Message: job.message, CreationTime: wireTime(job.createdAt),
    TemplateId: job.templateId, TemplateConfig: templateConfigToWire(job.templateConfig), UserData: job.userData,
    AIImageResult: job.status === 'success' ? aiImageResult(job) : '',
  };
}

/**
 * GetAIImageJobs' and the callback's AIImageResult: VOD's `Score` and `Url` per cover, and ours beside
 * them, `SubScores` (the manifest's sub-scores with wire-style names: Quality, Faces, Eyes, Text…). SDKs
 * hand AIImageResult over as a string, so an extra field reaches only those who look for it.
 */
export function aiImageResult(job: Job): string {
  return JSON.stringify(job.result.map((r) => ({
    Score: r.score, Url: r.path,
    ...(r.subscores === undefined ? {} : { SubScores: Object.fromEntries(Object.entries(r.subscores).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v])) }),
  })));
}

export function coverToWire(cover: Cover, sign: SignUrl): WireObject {
  return {
    AIImageInfoId: cover.id, CreationTime: wireTime(cover.createdAt), FileURL: sign(cover.path), Format: cover.format, JobId: cover.jobId,
    Score: String(cover.score), Time: String(cover.time), Version: String(cover.version), VideoId: cover.videoId,
    // Ours: the official SDKs ignore a field they do not know. Left out for covers made before it was kept.
    ...(cover.blurhash === '' ? {} : { BlurHash: cover.blurhash }),
  };
}

export function videoToWire(video: Video, sign: SignUrl): WireObject {
  return {
    VideoId: video.id, Title: video.title, Description: video.description, Duration: video.duration, Size: video.size, Status: video.status,
    // A cover set by a job is one of ours: hand it out signed. A URL the user set is returned as given.
    CoverURL: video.coverUrl.startsWith('/') ? sign(video.coverUrl) : video.coverUrl,
    CreationTime: wireTime(video.createdAt), ModificationTime: wireTime(video.modifiedAt),
    ...(video.status === 'UploadFail' ? { ErrorCode: video.errorCode, ErrorMessage: video.errorMessage } : {}),
  };
}
