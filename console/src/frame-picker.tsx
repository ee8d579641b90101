import { useEffect, useRef, useState } from 'preact/hooks';
import { clock } from './describe.js';

/**
 * The player and a frame picker: scrub, or step frame by frame; "Use this frame" asks the engine for a
 * still of exactly the frame shown. Steps land mid-frame ((n + ½) / fps) so the browser and the engine,
 * which both show the last frame at or before a time, agree on which frame that is.
 */
export function FramePicker({ src, fps, duration, onUse }: { src: string; fps: number; duration: number; onUse: (time: number, setCover: boolean) => Promise<void> }) {
  const video = useRef<HTMLVideoElement>(null);
  const [time, setTime] = useState(0);
  const [length, setLength] = useState(duration);
  const [setCover, setSetCover] = useState(false);
  const [failed, setFailed] = useState('');
  const [sending, setSending] = useState(false);
  const rate = fps > 0 ? fps : 25;
  const frame = Math.floor(time * rate + 1e-6);

  useEffect(() => {
    const v = video.current;
    if (v === null) return;
    const update = () => setTime(v.currentTime);
    v.addEventListener('timeupdate', update);
    v.addEventListener('seeked', update);
    return () => { v.removeEventListener('timeupdate', update); v.removeEventListener('seeked', update); };
  }, []);

  const seek = (seconds: number) => {
    const v = video.current;
    if (v === null) return;
    v.pause();
    v.currentTime = Math.min(Math.max(0, seconds), Math.max(0, length - 0.5 / rate));
    setTime(v.currentTime);
  };
  const step = (frames: number) => seek((Math.max(0, frame + frames) + 0.5) / rate);

  return (
    <section aria-labelledby="player-heading" class="card player">
      <h2 id="player-heading">Player and frame picker</h2>
      <video ref={video} src={src} controls preload="metadata" aria-label="Video player"
        onLoadedMetadata={(e) => { const d = (e.currentTarget as HTMLVideoElement).duration; if (Number.isFinite(d)) setLength(d); }}
        onError={() => setFailed('This browser cannot play the file (its format or codec). Covers can still be made from it.')} />
      {failed !== '' && <p role="alert" class="error">{failed}</p>}
      <div class="row wrap">
        <label for="position">Position</label>
        <input id="position" type="range" min={0} max={Math.max(0.001, length)} step={1 / rate} value={time}
          onInput={(e) => seek(Number((e.currentTarget as HTMLInputElement).value))} />
        <output for="position" aria-live="polite">{clock(time)} · {time.toFixed(3)} s · frame {frame}</output>
      </div>
      <div class="row wrap">
        <button type="button" class="quiet" onClick={() => step(-1)}>Previous frame</button>
        <button type="button" class="quiet" onClick={() => step(1)}>Next frame</button>
        <label class="check"><input type="checkbox" checked={setCover} onChange={(e) => setSetCover((e.currentTarget as HTMLInputElement).checked)} /> Also make it the cover</label>
        <button type="button" disabled={sending} onClick={async () => {
          setSending(true);
          try { await onUse(Math.round(time * 1e6) / 1e6, setCover); } finally { setSending(false); }
        }}>Use this frame</button>
      </div>
    </section>
  );
}
