/**
 * The manifest `analyze` writes as covers.json and prints with --json. Its shape is a contract: the
 * service and its tests read it. Scores are 0–10, covers best first within each format, times in seconds
 * from the start of the video.
 */
export interface Manifest {
  readonly video: {
    readonly duration: number;
    readonly width: number;
    readonly height: number;
    readonly codec: string;
    readonly rotation: number;
  };
  readonly covers: CoverEntry[];
  readonly analysis: {
    /** 'keyframes', or 'timed' when the stream had too few keyframes to choose from. */
    readonly sampling: 'keyframes' | 'timed';
    readonly framesAnalysed: number;
    /** 'clean': every still passed the hard filters; 'relaxed': nothing did, and the scores say so. */
    readonly pool: 'clean' | 'relaxed';
    /** How many analysed frames each hard filter turned down. */
    readonly rejected: Readonly<Record<string, number>>;
    /** Present only when there are fewer stills than asked: how many different pictures the video has… */
    readonly distinct?: number;
    /** …and why, in words. */
    readonly why?: string;
    /** Present only when part of the file could not be decoded: what, and that the covers avoid it. */
    readonly damage?: string;
    /** Present when the face and text models ran: on how many candidate frames. */
    readonly subjectsExamined?: number;
  };
}

export type CoverEntry = StillEntry | GifEntry;

export interface StillEntry {
  readonly file: string;
  readonly format: 'png';
  readonly score: number;
  readonly time: number;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly subscores: Readonly<Record<string, number>>;
  /** Why this moment was chosen over its neighbours: a different shot, another moment of a long take… */
  readonly why: string;
  /** Present only when the video had nothing better: why this still is weak. */
  readonly defects?: readonly string[];
  /** Present when the face and text models ran: what they found, in the still's own pixels. */
  readonly subjects?: SubjectBoxes;
  /** The still's BlurHash (4×3 components): a placeholder a page paints while the picture loads. */
  readonly blurhash: string;
}

/** Faces and text in a still, in its pixels (x, y: top-left corner): what a crop must keep or avoid. */
export interface SubjectBoxes {
  /** Clearest first. */
  readonly faces: readonly {
    readonly x: number; readonly y: number; readonly width: number; readonly height: number;
    readonly confidence: number;
    readonly eyes: 'open' | 'closed' | 'unknown';
    /** Present when the face is cut by the frame's edge. */
    readonly cut?: true;
    /** Head rotation in degrees, when the face was big enough to measure. */
    readonly yaw?: number;
    readonly pitch?: number;
  }[];
  readonly text: readonly {
    readonly x: number; readonly y: number; readonly width: number; readonly height: number;
    /** Present on a line of burned-in subtitles or captions. */
    readonly subtitle?: true;
  }[];
}

export interface GifEntry {
  readonly file: string;
  readonly format: 'gif';
  readonly score: number;
  readonly time: number;
  readonly duration: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bytes: number;
  readonly subscores: Readonly<Record<string, number>>;
  /** Present only when no moving run without a cut was long enough: this preview crosses one. */
  readonly crossesCut?: boolean;
  /** The first frame's BlurHash. */
  readonly blurhash: string;
}

export function coverFileName(format: 'png' | 'gif', rank: number): string {
  return `${format === 'png' ? 'cover' : 'preview'}-${String(rank).padStart(5, '0')}.${format}`;
}

/** A cover's time in the manifest: whole milliseconds, floored, so the frame shown at that time is the cover's. */
export function coverTime(seconds: number): number {
  return Math.floor(Math.max(0, seconds) * 1000 + 1e-6) / 1000;
}
