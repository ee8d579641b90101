import type { Cover, Job, Video } from '../../covers/model.js';
import type { TemplateView } from '../../covers/templates.js';

/** Domain values as the console's JSON shows them (camelCase, ISO times, signed URLs). */

export type Sign = (path: string) => string;

export function videoView(video: Video, sign: Sign, job: Job | undefined): Record<string, unknown> {
  return {
    id: video.id, title: video.title, description: video.description, status: video.status, duration: video.duration, size: video.size,
    width: video.width, height: video.height, fps: video.fps, fileName: video.fileName,
    // A cover set by a job or the console is one of ours (a path): signed. A URL the user gave is shown as given.
    coverUrl: video.coverUrl === '' ? '' : video.coverUrl.startsWith('/') ? sign(video.coverUrl) : video.coverUrl,
    errorCode: video.errorCode, errorMessage: video.errorMessage,
    createdAt: video.createdAt.toISOString(), modifiedAt: video.modifiedAt.toISOString(),
    job: job === undefined ? null : jobView(job),
  };
}

export function jobView(job: Job): Record<string, unknown> {
  return {
    id: job.id, status: job.status, code: job.code, message: job.message, templateId: job.templateId,
    format: job.templateConfig.format, count: job.templateConfig.count, frameTime: job.frameTime ?? null,
    createdAt: job.createdAt.toISOString(), modifiedAt: job.modifiedAt.toISOString(),
  };
}

export function coverView(cover: Cover, sign: Sign, subscores: Readonly<Record<string, number>> | undefined, current: boolean): Record<string, unknown> {
  return {
    id: cover.id, jobId: cover.jobId, version: cover.version, format: cover.format, score: cover.score, time: cover.time,
    width: cover.width, height: cover.height, bytes: cover.bytes, url: sign(cover.path), subscores: subscores ?? {}, current,
    blurhash: cover.blurhash, createdAt: cover.createdAt.toISOString(),
  };
}

export function templateView(t: TemplateView): Record<string, unknown> {
  return {
    id: t.id, name: t.name, source: t.source, isDefault: t.isDefault, format: t.config.format, count: t.config.count,
    setDefaultCover: t.config.setDefaultCover, createdAt: t.createdAt.toISOString(), modifiedAt: t.modifiedAt.toISOString(),
  };
}
