import { resolve } from 'node:path';
import { openService } from '../app.js';
import { loadEngineConfig } from '../config.js';
import { DEFAULT_ACCOUNT } from '../covers/access-keys.js';
import { AppError } from '../errors.js';
import { loadServiceConfig } from '../service-config.js';
import type { CliIo } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

export const VIDEOS_USAGE = `Usage:
  smartcover videos import FILE [--account NAME] [--title T] [--json] [--data DIR]
      checks that FILE is a video, stores a copy, and prints its VideoId
`;

export async function videosCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    data: { type: 'string' }, account: { type: 'string' }, title: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  const [sub, ...rest] = positionals;
  if (values.help === true || sub === undefined) {
    (values.help === true ? io.stdout : io.stderr).write(VIDEOS_USAGE);
    return values.help === true ? 0 : 2;
  }
  if (sub !== 'import') throw new AppError('invalid_argument', `unknown videos command '${sub}' (import)`);
  if (rest.length !== 1) throw new AppError('invalid_argument', 'videos import takes exactly one file');
  const file = resolve(io.cwd, rest[0]!);
  const service = await openService(loadServiceConfig(io.env, { data: values.data }, io.cwd), loadEngineConfig(io.env));
  try {
    const account = await service.keys.account(values.account ?? DEFAULT_ACCOUNT);
    const title = values.title ?? file.split('/').pop()!.replace(/\.[^.]+$/, '');
    if (Buffer.byteLength(title) > 128) throw new AppError('invalid_argument', '--title is longer than 128 bytes');
    const video = await service.videos.importFile(account.id, file, title);
    io.stdout.write(values.json === true ? `${JSON.stringify({ VideoId: video.id })}\n` : `VideoId: ${video.id}\n`);
    return 0;
  } finally {
    await service.close();
  }
}
