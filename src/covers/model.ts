/**
 * The domain of the smart-cover service: accounts and their keys, videos, AI templates, jobs and the covers
 * jobs publish. Plain data; wire names (PascalCase) live only in api/rpc/actions.
 */
import type { SpriteRequest } from '../engine/snapshots.js';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

export type KeyStatus = 'Active' | 'Inactive';

export interface AccessKey {
  readonly id: string;
  /** Kept as is: HMAC verification needs it. Printed once at creation, never listed or logged. */
  readonly secret: string;
  readonly accountId: string;
  readonly status: KeyStatus;
  readonly createdAt: Date;
}

export type VideoStatus = 'Uploading' | 'UploadSucc' | 'UploadFail' | 'Normal';

export interface Video {
  readonly id: string;
  readonly accountId: string;
  readonly title: string;
  readonly description: string;
  /** Path (no host, unsigned) of the cover set by a job with SetDefaultCover, or a URL the user gave. */
  readonly coverUrl: string;
  readonly status: VideoStatus;
  /** Seconds; 0 until known. */
  readonly duration: number;
  readonly size: number;
  /** Blob key of the source file; empty until uploaded. */
  readonly sourceKey: string;
  /** The object key a CreateUploadVideo credential may write (sv/<VideoId>/<VideoId>.<ext>); '' for other ways in. */
  readonly objectKey: string;
  /** The client's file name (CreateUploadVideo's FileName), or the URL's last segment. */
  readonly fileName: string;
  /** The probed picture size, frame rate and bit rate (0 until known): GetMezzanineInfo reports them. */
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bitrate: number;
  readonly sourceUrl: string;
  /** Why an upload failed (UploadFail). */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** UploadMediaByURL's JobId for this video ('' when imported otherwise), reported in UploadByURLComplete. */
  readonly uploadJobId: string;
  /** UploadMediaByURL's UserData (JSON text, '' when none): where its event goes. */
  readonly userData: string;
  /** The uploadJobId whose UploadByURLComplete the callback target acknowledged; absent until one was. */
  readonly urlEventSent?: string | undefined;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

/** An image uploaded with CreateUploadImage (a custom cover, or any picture), stored at its object key. */
export interface Image {
  readonly id: string;
  readonly accountId: string;
  readonly type: 'default' | 'cover';
  readonly ext: 'png' | 'jpg' | 'jpeg' | 'gif';
  readonly title: string;
  /** image/<type>/<ImageId>.<ext>: the object key and the blob key alike. */
  readonly objectKey: string;
  readonly status: 'Uploading' | 'Normal';
  readonly size: number;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

/** An image's object key (and blob key): image/<type>/<ImageId>.<ext>. */
export const IMAGE_KEY = /^image\/(default|cover)\/([0-9a-f]{32})\.(png|jpg|jpeg|gif)$/;

/** The content type of each picture format smartcover stores (covers and uploaded images). */
export const IMAGE_CONTENT_TYPES = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif' } as const;

/**
 * Extensions of the video files VOD accepts. Playlists (m3u8) and anything else that names other files
 * are not among them: a video must be one self-contained file.
 */
const VIDEO_EXTENSIONS = new Set([
  '3gp', '3g2', 'asf', 'avi', 'dv', 'f4v', 'flv', 'm2t', 'm2ts', 'm4v', 'mkv', 'mov', 'mp4', 'mpe', 'mpeg', 'mpg', 'mts', 'mxf', 'ogg', 'ogv',
  'qt', 'rm', 'rmvb', 'ts', 'vob', 'webm', 'wmv', 'y4m',
]);

/** A file name's video extension (lower case), or undefined when it is not one VOD accepts. */
export function videoExtension(fileName: string): string | undefined {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(fileName)?.[1]?.toLowerCase();
  return ext !== undefined && VIDEO_EXTENSIONS.has(ext) ? ext : undefined;
}

/** A multipart upload in progress on the object endpoint; its parts are staged blobs until completed. */
export interface MultipartUpload {
  readonly id: string;
  readonly accountId: string;
  readonly objectKey: string;
  readonly createdAt: Date;
  /** Once CompleteMultipartUpload has answered: the parts that make the object, in order, still to be joined. */
  readonly completedParts?: readonly number[] | undefined;
}

/** Where a part's bytes are staged until the upload completes. */
export function partBlobKey(uploadId: string, partNumber: number): string {
  return `uploads/${uploadId}/${partNumber}`;
}

export interface UploadPart {
  readonly uploadId: string;
  readonly partNumber: number;
  /** Hex MD5 of the part's bytes (its ETag without quotes, upper case on the wire). */
  readonly md5: string;
  readonly size: number;
  readonly createdAt: Date;
}

export interface TemplateConfig {
  readonly format: 'png' | 'gif';
  readonly setDefaultCover: boolean;
  /** ours: how many covers of that format (png 1–20, default 5; gif 1–5, default 1). */
  readonly count: number;
}

/** How many covers a template may ask for, per format (ours; VOD makes a fixed number). */
export const TEMPLATE_COUNT = { png: { max: 20, default: 5 }, gif: { max: 5, default: 1 } } as const;

export interface Template {
  readonly id: string;
  /** Empty for the built-in System templates, which every account sees. */
  readonly accountId: string;
  readonly name: string;
  readonly type: 'AIImage';
  readonly config: TemplateConfig;
  readonly source: 'System' | 'Custom';
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

export type JobStatus = 'init' | 'processing' | 'success' | 'fail';

export interface Job {
  readonly id: string;
  readonly accountId: string;
  readonly videoId: string;
  readonly templateId: string;
  /** The template as it was when the job was submitted. */
  readonly templateConfig: TemplateConfig;
  readonly userData: string;
  readonly status: JobStatus;
  readonly code: string;
  readonly message: string;
  /** The covers' scores and unsigned paths, once the job succeeded, with the sub-scores that explain each. */
  readonly result: readonly JobResultItem[];
  /** A job that renders the one frame shown at this time (seconds), chosen by hand; absent when the engine chooses. */
  readonly frameTime?: number | undefined;
  /** The status whose completion event the job's callback target acknowledged; absent until one was. */
  readonly eventSent?: JobStatus | undefined;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

/** One cover of a finished job, as GetAIImageJobs and the callback report it. */
export interface JobResultItem {
  readonly score: number;
  readonly path: string;
  /** The manifest's sub-scores, each 0..1 (absent on jobs stored before they were kept). */
  readonly subscores?: Readonly<Record<string, number>> | undefined;
}

/** A web console sign-in: the cookie carries a token whose hash is the key; it acts as one access key's account. */
export interface ConsoleSession {
  readonly tokenHash: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Sent back in a header on every state-changing request (and compared in constant time). */
  readonly csrfToken: string;
  readonly createdAt: Date;
  readonly seenAt: Date;
  readonly expiresAt: Date;
}

export interface Cover {
  readonly id: string;
  readonly accountId: string;
  readonly videoId: string;
  readonly jobId: string;
  readonly version: number;
  readonly format: 'png' | 'gif';
  readonly score: number;
  /** Position in the video, seconds. */
  readonly time: number;
  /** Unsigned path, starting with '/': /<VideoId>/image/ai/<JobId>-00001.png; also the blob key without the '/'. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  /** The picture's BlurHash ('' for covers made before it was kept). */
  readonly blurhash: string;
  /** Faces in the picture's pixels, clearest first (none when the subject models did not run): what crops keep. */
  readonly faces: readonly FaceBox[];
  readonly createdAt: Date;
}

/** A face's box in a cover's pixels (x, y: its top-left corner). */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What a snapshot job makes: single shots, or sprite sheets with their WebVTT track. */
export type SnapshotKind = 'NormalSnapshot' | 'SpriteSnapshot' | 'WebVttSnapshot';

/** What ListSnapshots lists: a job's shots, its sheets, their cells, its track, or the video's smart covers. */
export type SnapshotListing = 'CoverSnapshot' | 'NormalSnapshot' | 'SpriteSnapshot' | 'SpriteOriginSnapshot' | 'WebVttSnapshot';

/** A snapshot job's pictures (SubmitSnapshotJob's parameters, or a snapshot template's SnapshotConfig), checked. */
export interface SnapshotSpec {
  readonly kind: SnapshotKind;
  readonly frameType: 'intra' | 'normal';
  readonly count: number;
  /** Seconds; 0 spreads `count` over the video. */
  readonly interval: number;
  readonly offsetMs: number;
  readonly offsetsMs?: readonly number[] | undefined;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** Sprite sheets (SpriteSnapshot, WebVttSnapshot). */
  readonly sprite?: SpriteSpec | undefined;
}

/** The engine's sprite layout, and whether the cells are kept too. */
export interface SpriteSpec extends SpriteRequest {
  /** KeepCellPic: the cells are kept and listed (SpriteOriginSnapshot). */
  readonly keepCells: boolean;
}

export interface SnapshotJob {
  readonly id: string;
  readonly accountId: string;
  readonly videoId: string;
  /** The snapshot template it was submitted with ('' for none). */
  readonly templateId: string;
  readonly spec: SnapshotSpec;
  readonly userData: string;
  /** Where the client reached the API (FileURLs in the job's event start with it unless a CDN is set). */
  readonly baseUrl: string;
  readonly status: JobStatus;
  readonly code: string;
  readonly message: string;
  /** Once it succeeded: how many of each file it wrote, and the times asked for. */
  readonly result?: SnapshotResult | undefined;
  /** As Job.eventSent. */
  readonly eventSent?: JobStatus | undefined;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

export interface SnapshotResult {
  /** Shots (a sprite job's cells): normal-00001.jpg or cell-00001.jpg onwards. */
  readonly shots: number;
  /** sprite-00001.jpg onwards. */
  readonly sprites: number;
  /** Whether index.vtt was written. */
  readonly vtt: boolean;
  readonly width: number;
  readonly height: number;
}

/** Where a snapshot job's files are: /<VideoId>/snapshots/<JobId>/<name> (also the blob key without the '/'). */
export function snapshotPath(videoId: string, jobId: string, name: string): string {
  return `/${videoId}/snapshots/${jobId}/${name}`;
}

/** A snapshot job's n-th file of a kind: normal-00001.jpg, cell-00001.jpg, sprite-00001.jpg. */
export function snapshotFileName(kind: 'normal' | 'cell' | 'sprite', n: number | '{SnapshotCount}'): string {
  return `${kind}-${typeof n === 'number' ? String(n).padStart(5, '0') : n}.jpg`;
}

/** A VOD template other than AI ones: only Snapshot templates exist here. */
export interface VodTemplate {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly type: 'Snapshot';
  /** TemplateConfig as the client gave it (checked): GetVodTemplate returns it as is. */
  readonly config: string;
  /** The same, as the jobs it makes take it. */
  readonly spec: SnapshotSpec;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

/** Every file a finished snapshot job wrote, as blob keys. */
export function snapshotKeys(job: Pick<SnapshotJob, 'videoId' | 'id' | 'spec' | 'result'>): string[] {
  const r = job.result;
  if (r === undefined) return [];
  const names = [
    ...Array.from({ length: r.shots }, (_, i) => snapshotFileName(job.spec.sprite === undefined ? 'normal' : 'cell', i + 1)),
    ...Array.from({ length: r.sprites }, (_, i) => snapshotFileName('sprite', i + 1)),
    ...(r.vtt ? ['index.vtt'] : []),
  ];
  return names.map((name) => snapshotPath(job.videoId, job.id, name).slice(1));
}
