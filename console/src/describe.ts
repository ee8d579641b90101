/**
 * A cover's sub-scores (each 0..1, higher is better; see the README's "Scores") in the words a person
 * reads under a candidate. Only what stands out is said: an ordinary value says nothing.
 */
export function describeScores(subscores: Readonly<Record<string, number>>, format: 'png' | 'gif'): string[] {
  const s = (name: string) => subscores[name];
  const words: string[] = [];
  const faces = s('faces');
  const eyes = s('eyes');
  if (faces !== undefined && faces >= 0.3) {
    words.push(eyes !== undefined && eyes >= 0.75 ? 'face, eyes open' : eyes !== undefined && eyes <= 0.25 ? 'face, eyes closed' : 'face');
  }
  const text = s('text');
  if (text !== undefined && text < 0.7) words.push('text over the picture');
  const subtitles = s('subtitles');
  if (subtitles !== undefined && subtitles < 0.5) words.push('subtitles');
  const sharpness = s('sharpness');
  if (sharpness !== undefined) words.push(sharpness >= 0.7 ? 'sharp' : sharpness < 0.35 ? 'blurry' : '');
  const exposure = s('exposure');
  if (exposure !== undefined) words.push(exposure >= 0.75 ? 'well exposed' : exposure < 0.35 ? 'badly exposed' : '');
  const colour = s('colourfulness');
  if (colour !== undefined && colour >= 0.6) words.push('colourful');
  const relevance = s('relevance');
  if (relevance !== undefined) words.push(relevance >= 0.8 ? 'typical of the video' : relevance < 0.3 ? 'a rare moment' : '');
  if (format === 'png') {
    const stillness = s('stillness');
    if (stillness !== undefined) words.push(stillness >= 0.8 ? 'steady' : stillness < 0.3 ? 'caught in motion' : '');
  } else {
    const motion = s('motion');
    if (motion !== undefined) words.push(motion >= 0.5 ? 'lively motion' : motion < 0.2 ? 'little motion' : '');
  }
  return words.filter((w) => w !== '');
}

/** "1:05", "1:02:03": a duration or a position for people. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** "12.3 MB" */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
