import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Stretch } from './clips.js';
import { footage } from './truth.js';

/**
 * Shots made from real photographs for the subject tests: people from the face package's own sample
 * pictures (human ships them), everything else from opencv-doc (scripts/real-footage.sh), text drawn with
 * Debian's DejaVu fonts. Every photograph goes through the same treatment, so that none is technically
 * better than another: its centre square at 150 px (the size of the portraits the package ships), scaled
 * to the frame's height over a grey pillarbox, with a little sensor noise.
 */
const require = createRequire(import.meta.url);
const humanAssets = join(dirname(require.resolve('@vladmandic/human')), '..', 'assets');
/** Five 150 × 150 close-up portraits in a row; the second is a woman facing the camera. */
const PORTRAITS = join(humanAssets, 'screenshot-facedetect.jpg');
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export function fontFile(): string {
  if (!existsSync(FONT)) throw new Error(`${FONT} is missing: install Debian's fonts-dejavu-core`);
  return FONT;
}

let unique = 0;

/**
 * A still photograph as a shot. `crop` picks a region of the image (w:h:x:y, ffmpeg's crop syntax);
 * `shift` moves the picture sideways in the frame by that share of the frame's width (a face cut by the edge);
 * `size` is its height as a share of the frame's (centred vertically).
 */
function photoShot(label: string, path: string, seconds: number, crop?: string, shift = 0, size = 1): Stretch {
  const k = unique++;
  const square = crop === undefined ? "crop='min(iw,ih)':'min(iw,ih)'" : `crop=${crop}`;
  return {
    label, seconds, still: true,
    source: `movie=${path},${square},scale=150:150:flags=area,scale=-2:'trunc({height}*${size}/2)*2':flags=lanczos,setsar=1[ph${k}];`
      + `color=c=0x606468:s={size}:r={rate}[bg${k}];[bg${k}][ph${k}]overlay=x=(W-w)/2+W*${shift}:y=(H-h)/2:shortest=0,noise=alls=3:allf=t:all_seed=${k + 1}`,
  };
}

export const photos = {
  /** A woman's face, frontal, eyes open, filling most of the frame's height. */
  portrait: (seconds: number, shift = 0, size = 1): Stretch => photoShot(shift === 0 ? 'portrait' : 'portrait-at-edge', PORTRAITS, seconds, '150:150:164:345', shift, size),
  /** The same package's portrait of a man (the first of the row). */
  man: (seconds: number): Stretch => photoShot('man', PORTRAITS, seconds, '150:150:7:345'),
  /** opencv-doc photographs: building, fruits (an object), baboon (an animal), messi5 (a footballer, far), starry_night (a painting). */
  named: (name: 'building' | 'fruits' | 'baboon' | 'messi5' | 'starry_night', seconds: number): Stretch | undefined => {
    // footage(): skipped locally without it, a failure under CI.
    const path = footage(`${name}.jpg`);
    return path === undefined ? undefined : photoShot(name, path, seconds);
  },
  /** A slide: a title and bullet points on a plain background. */
  slide: (seconds: number): Stretch => ({
    label: 'slide', seconds, still: true,
    source: `color=c=0x1d3557:s={size}:r={rate},${[
      ['Quarterly results', 30, 24], ['- Revenue up 12 percent', 20, 80], ['- Three new markets', 20, 115],
      ['- Costs flat year on year', 20, 150], ['- Outlook is steady growth', 20, 185],
    ].map(([text, size, y]) => `drawtext=fontfile=${fontFile()}:text='${text}':fontsize=${size}:fontcolor=white:x=30:y=${y}`).join(',')},noise=alls=3:allf=t`,
  }),
  /** Round letters, big: what face detectors take for eyes. */
  logo: (seconds: number): Stretch => ({
    label: 'logo', seconds, still: true,
    source: `color=c=0xf1c40f:s={size}:r={rate},drawtext=fontfile=${fontFile()}:text='oOo':fontsize=150:fontcolor=0x1a1a1a:x=(w-text_w)/2:y=(h-text_h)/2-10,noise=alls=3:allf=t`,
  }),
};

/** Two lines of burned-in subtitles along the bottom of a shot, as films and clips carry them. */
export function subtitled(shot: Stretch): Stretch {
  const line = (text: string, fromBottom: number) =>
    `drawtext=fontfile=${fontFile()}:text='${text}':fontsize=17:fontcolor=white:borderw=2:bordercolor=black:x=(w-text_w)/2:y=h-${fromBottom}`;
  return { ...shot, label: `${shot.label}-subtitled`, source: `${shot.source},${line('I never thought we would get this far', 52)},${line('Neither did I. Come on, keep going.', 28)}` };
}

/** Real footage as a shot: the first `seconds` of a clip from test/.footage, scaled to the frame. */
export function footageShot(name: string, seconds: number): Stretch | undefined {
  const path = footage(name);
  return path === undefined ? undefined : { label: name, seconds, source: `movie=${path},scale={size},setsar=1,fps={rate}` };
}
