import type { CoverService, JobService } from '../../../covers/jobs.js';
import type { TemplateService } from '../../../covers/templates.js';
import type { VideoService } from '../../../covers/videos.js';

/** What the actions call: the use-cases, and how to sign a file URL at a moment. */
export interface ActionServices {
  readonly templates: TemplateService;
  readonly videos: VideoService;
  readonly jobs: JobService;
  readonly covers: CoverService;
  readonly signUrl: (path: string, now: Date) => string;
}
