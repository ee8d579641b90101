import type { SubjectBoxes } from '../manifest.js';
import { clarity } from './appeal.js';
import type { SubjectReading } from './examine.js';
import type { Box } from './port.js';

/** Pure: a reading's faces (clearest first) and text, from the examined frame's pixels to the cover's. */
export function coverBoxes(reading: SubjectReading, examined: { width: number; height: number }, cover: { width: number; height: number }): SubjectBoxes {
  const sx = cover.width / examined.width, sy = cover.height / examined.height;
  const scale = (b: Box) => {
    const x = Math.max(0, Math.round(b.x * sx)), y = Math.max(0, Math.round(b.y * sy));
    return { x, y, width: Math.min(cover.width - x, Math.round(b.width * sx)), height: Math.min(cover.height - y, Math.round(b.height * sy)) };
  };
  const faces = [...reading.faces].sort((a, b) => clarity(b) - clarity(a)).map((f) => ({
    ...scale(f.box), confidence: f.confidence, eyes: f.eyes,
    ...(f.cut ? { cut: true as const } : {}),
    ...(f.yaw === undefined || f.pitch === undefined ? {} : { yaw: f.yaw, pitch: f.pitch }),
  }));
  const text = reading.text.map((b) => ({ ...scale(b), ...(reading.subtitles.includes(b) ? { subtitle: true as const } : {}) }));
  return { faces, text };
}
