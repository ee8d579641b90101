import { readFileSync, writeFileSync } from 'node:fs';
import { parseImageProcess } from './src/images/image-process.js';
import { renderImage } from './src/images/render-image.js';
const m = JSON.parse(readFileSync('/tmp/an-mm/covers.json', 'utf8'));
const c = m.covers[2];
const src = readFileSync(`/tmp/an-mm/${c.file}`);
const faces = c.subjects.faces;
for (const [name, q] of [['auto916', 'image/crop,g_auto,w_297,h_528'], ['centre916', 'image/crop,g_center,w_297,h_528'], ['fill-auto', 'image/resize,m_fill,w_200,h_200,g_auto/format,webp'], ['face', 'image/crop,g_face,p_150/format,jpg'], ['pad', 'image/resize,m_pad,w_300,h_300,color_FF0000'], ['hue', 'image/average-hue'], ['info', 'image/info'], ['bh', 'image/blurhash'], ['avif', 'image/resize,w_320/format,avif'], ['rot', 'image/resize,w_200/rotate,90/crop,w_50,h_50,g_se']] as const) {
  const t = Date.now();
  const r = await renderImage(src, parseImageProcess(q), { faces, maxPixels: 35e6 });
  const ext = r.contentType.split('/')[1];
  writeFileSync(`/tmp/r-${name}.${ext === 'jpeg' ? 'jpg' : ext}`, r.body);
  console.log(name, r.contentType, r.body.length, Date.now() - t, 'ms', ext === 'json' ? r.body.toString() : '');
}
const g = readFileSync('/tmp/an-mm/preview-00001.gif');
for (const [name, q] of [['gif-small', 'image/resize,w_160'], ['gif-webp', 'image/resize,w_160/format,webp'], ['gif-jpg', 'image/resize,w_160/format,jpg'], ['gif-info', 'image/info']] as const) {
  const t = Date.now();
  const r = await renderImage(g, parseImageProcess(q), { faces: [], maxPixels: 35e6 });
  writeFileSync(`/tmp/r-${name}.${r.contentType.split('/')[1]}`, r.body);
  console.log(name, r.contentType, r.body.length, Date.now() - t, 'ms', r.contentType.endsWith('json') ? r.body.toString() : '');
}
