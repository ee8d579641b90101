import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { looks, makeClip, scratchDir, tool } from './clips.js';

export interface MediaFacts {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Frames actually decoded (counted, not read from the header). */
  readonly frames: number;
  readonly duration: number;
}

/** Decodes a file with the system ffprobe and reports what it really contains. */
export async function inspect(file: string): Promise<MediaFacts> {
  const out = JSON.parse(
    (await tool('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file])).toString('utf8'),
  ) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[]; format: { duration?: string } };
  const s = out.streams[0]!;
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames), duration: Number(out.format.duration ?? NaN) };
}

/** Mean luma (0..1) of a picture, measured by ffmpeg itself, independent of our own feature code. */
export async function meanLuma(file: string): Promise<number> {
  const bytes = await tool('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=64:36,format=gray', '-f', 'rawvideo', '-']);
  return bytes.reduce((a, b) => a + b, 0) / bytes.length / 255;
}

/** Every kind of file a user might wrongly hand to `analyze`, made fresh for the run. */
export async function badInputs(): Promise<Record<string, string>> {
  const dir = join(scratchDir(), 'bad-inputs');
  mkdirSync(dir, { recursive: true });
  const good = await makeClip('good.mp4', [looks.testsrc(3)]);
  const files: Record<string, string> = {};

  files['zero-byte'] = join(dir, 'empty.mp4');
  writeFileSync(files['zero-byte'], '');
  files['truncated'] = join(dir, 'truncated.mp4');
  const bytes = readFileSync(good);
  writeFileSync(files['truncated'], bytes.subarray(0, Math.floor(bytes.length / 2)));
  files['truncated-faststart'] = join(dir, 'truncated-faststart.mp4');
  const faststart = join(dir, 'faststart.mp4');
  await tool('ffmpeg', ['-v', 'error', '-y', '-i', good, '-c', 'copy', '-movflags', '+faststart', faststart]);
  const fs = readFileSync(faststart);
  writeFileSync(files['truncated-faststart'], fs.subarray(0, Math.floor(fs.length / 2)));
  files['text'] = join(dir, 'notes.mp4');
  writeFileSync(files['text'], 'This is not a video.\nJust some notes someone saved with the wrong name.\n');
  files['image'] = join(dir, 'photo.png');
  await tool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', files['image']]);
  files['audio-only'] = join(dir, 'song.m4a');
  await tool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=f=440:d=2', '-c:a', 'aac', files['audio-only']]);
  // A Matroska file whose codec id nobody knows: the container is fine, the stream cannot be decoded.
  files['unknown-codec'] = join(dir, 'unknown-codec.mkv');
  const goodMkv = join(dir, 'good.mkv');
  await tool('ffmpeg', ['-v', 'error', '-y', '-i', good, '-c', 'copy', goodMkv]);
  const mkv = readFileSync(goodMkv);
  const id = Buffer.from('V_MPEG4/ISO/AVC');
  const at = mkv.indexOf(id);
  if (at < 0) throw new Error('fixture: codec id not found in the Matroska file');
  const patched = Buffer.from(mkv);
  Buffer.from('V_UNKNOWN/XX/XX').copy(patched, at);
  writeFileSync(files['unknown-codec'], patched);
  // An MP4 whose index is intact but whose video data is noise: no frame decodes.
  files['garbage-stream'] = join(dir, 'garbage.mp4');
  const noisy = Buffer.from(bytes);
  const mdat = noisy.indexOf(Buffer.from('mdat'));
  let seed = 1;
  for (let i = mdat + 8; i < noisy.length - 4096; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    noisy[i] = seed >>> 24;
  }
  writeFileSync(files['garbage-stream'], noisy);
  files['missing'] = join(dir, 'no-such-video.mp4');
  return files;
}
