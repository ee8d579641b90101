import type { CoverService, JobService } from '../../../covers/jobs.js';
import type { SnapshotService } from '../../../covers/snapshots.js';
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
  readonly snapshots: SnapshotService;
  /** UploadAddress.Endpoint for a client that reached this service at `baseUrl` (see app.ts). */
  readonly uploadEndpoint: (baseUrl: string) => string;
  readonly uploadBucket: string;
  readonly uploadMaxBytes: number;
  /** `baseUrl`: where this service was reached (used unless FileURLs go to a CDN). */
  readonly fileUrl: (path: string, now: Date, baseUrl: string) => string;
  /** The same URL without its signature (ListSnapshots' Regular, a pattern no signature can cover). */
  readonly unsignedFileUrl: (path: string, baseUrl: string) => string;
  /** Seconds a signed URL stays valid from its timestamp. */
  readonly urlValiditySeconds: number;
}
