import { decode } from 'blurhash';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Cover } from './api.js';
import { describeScores } from './describe.js';

/** One candidate: the picture, its score in words, and what can be done with it. */
export function CoverCard({ cover, onUse, onDelete }: { cover: Cover; onUse: () => void; onDelete: () => void }) {
  const words = describeScores(cover.subscores, cover.format);
  const label = `${cover.format === 'gif' ? 'Animated preview' : 'Still'} at ${cover.time.toFixed(2)} s, score ${cover.score.toFixed(1)}`;
  const captionId = `cover-${cover.id}`;
  return (
    <li class={`cover card${cover.current ? ' current' : ''}`}>
      {cover.format === 'gif' ? <GifPreview cover={cover} label={label} /> : <Still cover={cover} label={label} />}
      <div class="caption" id={captionId}>
        <strong>{cover.score.toFixed(1)}</strong><span class="muted"> / 10 · {cover.time.toFixed(2)} s{cover.format === 'gif' ? ' · GIF' : ''}</span>
        {cover.current && <span class="badge good">Current cover</span>}
        {words.length > 0 && <ul class="words">{words.map((w) => <li key={w}>{w}</li>)}</ul>}
      </div>
      <div class="row actions">
        <button type="button" onClick={onUse} disabled={cover.current} aria-describedby={captionId}>Use as cover</button>
        <button type="button" class="quiet danger" aria-describedby={captionId} aria-label="Delete candidate" onClick={() => { if (confirm('Delete this candidate?')) onDelete(); }}>Delete</button>
      </div>
    </li>
  );
}

/** A card's width, at most, in CSS pixels: the still is fetched at that width (and twice it for sharp screens). */
const CARD_WIDTH = 480;

/**
 * A still as a WebP rendition the card's size (x-oss-process: a 1280×720 PNG cover is ~1 MB, its 480-px
 * WebP ~20 KB), over its BlurHash painted while it loads.
 */
function Still({ cover, label }: { cover: Cover; label: string }) {
  const placeholder = useMemo(() => blurhashImage(cover.blurhash), [cover.blurhash]);
  const at = (width: number) => `${cover.url}&x-oss-process=image/resize,w_${width}/format,webp`;
  return (
    <img src={at(CARD_WIDTH)} srcSet={`${at(CARD_WIDTH)} 1x, ${at(2 * CARD_WIDTH)} 2x`} alt={label} width={cover.width} height={cover.height} loading="lazy"
      style={placeholder === '' ? undefined : { backgroundImage: `url(${placeholder})`, backgroundSize: '100% 100%' }} />
  );
}

/** A BlurHash as a tiny PNG data URL ('' when there is none or it does not decode). */
function blurhashImage(hash: string): string {
  if (hash === '') return '';
  try {
    const width = 32;
    const height = 18;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d')!;
    const pixels = context.createImageData(width, height);
    pixels.data.set(decode(hash, width, height));
    context.putImageData(pixels, 0, 0);
    return canvas.toDataURL('image/png');
  } catch {
    return '';
  }
}

/**
 * A GIF shows its first frame until hovered or focused, then plays: a grid of moving previews is hard to
 * look at. The first frame is drawn from the loaded GIF (a canvas of the same origin); where that is not
 * allowed (covers on another host), the GIF simply plays.
 */
function GifPreview({ cover, label }: { cover: Cover; label: string }) {
  const [poster, setPoster] = useState('');
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    const image = new Image();
    image.onload = () => {
      try {
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        canvas.getContext('2d')!.drawImage(image, 0, 0);
        setPoster(canvas.toDataURL('image/png'));
      } catch {
        setPoster('');
      }
    };
    image.src = cover.url;
  }, [cover.url]);
  return (
    <div class="gif" tabIndex={0} aria-label={`${label}. Plays on hover or focus.`}
      onMouseEnter={() => setPlaying(true)} onMouseLeave={() => setPlaying(false)} onFocus={() => setPlaying(true)} onBlur={() => setPlaying(false)}>
      <img src={playing || poster === '' ? cover.url : poster} alt={label} width={cover.width} height={cover.height} data-playing={playing ? 'true' : 'false'} />
      {!playing && <span class="play" aria-hidden="true">▶</span>}
    </div>
  );
}
