import { IMAGE_KEY, snapshotKeys, type FaceBox } from './model.js';
import type { Store } from './ports.js';

/**
 * The stored picture behind a cover's, an uploaded image's or a snapshot's path, looked up on every
 * rendition request so that a deleted cover has no renditions. None is ever written again once complete
 * (the object endpoint refuses a second write; jobs name their files by job), so a path names its bytes
 * and no version is needed.
 */
export async function pictureAt(store: Store, path: string): Promise<{ key: string; version: string; faces: readonly FaceBox[] } | undefined> {
  const image = IMAGE_KEY.exec(path.slice(1));
  if (image !== null) {
    const found = await store.findImageById(image[2]!);
    if (found === undefined || found.status !== 'Normal' || `/${found.objectKey}` !== path) return undefined;
    return { key: found.objectKey, version: '', faces: [] };
  }
  const snapshot = /^\/[0-9a-f]{32}\/snapshots\/([0-9a-f]{32})\//.exec(path);
  if (snapshot !== null) {
    const job = await store.findSnapshotJob(snapshot[1]!);
    return job?.status === 'success' && snapshotKeys(job).includes(path.slice(1)) ? { key: path.slice(1), version: '', faces: [] } : undefined;
  }
  const cover = await store.coverAt(path);
  return cover === undefined ? undefined : { key: path.slice(1), version: '', faces: cover.faces };
}
