import type { CoverService, JobService } from '../../../covers/jobs.js';
import type { TemplateService } from '../../../covers/templates.js';
import type { UploadService } from '../../../covers/uploads.js';
import type { VideoService } from '../../../covers/videos.js';

/** What the actions call: the use-cases, and how to build a signed FileURL for a cover's path at a moment. */
export interface ActionServices {
  readonly templates: TemplateService;
  readonly videos: VideoService;
  readonly jobs: JobService;
  readonly covers: CoverService;
  readonly uploads: UploadService;
  /** UploadAddress.Endpoint for a client that reached this service at `baseUrl` (see app.ts). */
  readonly uploadEndpoint: (baseUrl: string) => string;
  readonly uploadBucket: string;
  readonly uploadMaxBytes: number;
  /** `baseUrl`: where this service was reached (used unless FileURLs go to a CDN). */
  readonly fileUrl: (path: string, now: Date, baseUrl: string) => string;
}
