import { openService } from '../app.js';
import { loadEngineConfig } from '../config.js';
import { DEFAULT_ACCOUNT } from '../covers/access-keys.js';
import { AppError } from '../errors.js';
import { loadServiceConfig } from '../service-config.js';
import type { CliIo } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

export const KEYS_USAGE = `Usage:
  smartcover keys create [--account NAME] [--json] [--data DIR]   a new key (the secret is printed once)
  smartcover keys list [--json] [--data DIR]                      every key, without secrets
  smartcover keys disable ID [--data DIR]                         refuse the key from now on
`;

export async function keysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { data: { type: 'string' }, account: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  const [sub, ...rest] = positionals;
  if (values.help === true || sub === undefined) {
    (values.help === true ? io.stdout : io.stderr).write(KEYS_USAGE);
    return values.help === true ? 0 : 2;
  }
  const service = await openService(loadServiceConfig(io.env, { data: values.data }, io.cwd), loadEngineConfig(io.env));
  try {
    switch (sub) {
      case 'create': {
        const account = values.account ?? DEFAULT_ACCOUNT;
        const { key } = await service.keys.create(account);
        io.stdout.write(values.json === true
          ? `${JSON.stringify({ AccessKeyId: key.id, AccessKeySecret: key.secret, Account: account })}\n`
          : `AccessKeyId:     ${key.id}\nAccessKeySecret: ${key.secret}\nAccount:         ${account}\n(the secret is shown only this once)\n`);
        return 0;
      }
      case 'list': {
        const keys = await service.keys.list();
        io.stdout.write(values.json === true
          ? `${JSON.stringify(keys.map((k) => ({ AccessKeyId: k.id, Account: k.accountName, Status: k.status, CreationTime: k.createdAt.toISOString() })))}\n`
          : keys.map((k) => `${k.id}  ${k.status.padEnd(8)}  ${k.accountName}  ${k.createdAt.toISOString()}`).join('\n') + (keys.length > 0 ? '\n' : ''));
        return 0;
      }
      case 'disable': {
        if (rest.length !== 1) throw new AppError('invalid_argument', 'keys disable takes exactly one access key id');
        await service.keys.disable(rest[0]!);
        io.stdout.write(`${rest[0]} disabled\n`);
        return 0;
      }
      default:
        throw new AppError('invalid_argument', `unknown keys command '${sub}' (create, list or disable)`);
    }
  } finally {
    await service.close();
  }
}
