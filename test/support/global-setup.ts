import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One scratch directory per test run for generated clips, shared by all test files (clips are cached
 * there by content, so each is rendered once per run) and removed at the end.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'smartcover-test-'));
  process.env['SMARTCOVER_TEST_DIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
