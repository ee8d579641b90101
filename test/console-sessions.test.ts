import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openService, type Service } from '../src/app.js';
import { loadEngineConfig } from '../src/config.js';
import { ConsoleSessions } from '../src/covers/console-sessions.js';
import type { AccessKey } from '../src/covers/model.js';
import { SignInThrottle } from '../src/covers/sign-in-throttle.js';
import { loadServiceConfig } from '../src/service-config.js';
import { scratchDir } from './support/clips.js';

/** Console sessions on the real embedded database, with the clock (the only fake) moved by hand. */
describe('console sessions', () => {
  let service: Service;
  let sessions: ConsoleSessions;
  let key: AccessKey;
  let now = new Date('2026-12-01T10:00:00Z');
  const at = (minutes: number) => (now = new Date(Date.parse('2026-12-01T10:00:00Z') + minutes * 60_000));

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(scratchDir(), 'sessions-'));
    service = await openService(loadServiceConfig({}, { data: dataDir }, dataDir), loadEngineConfig(process.env, { noSubjects: true }), { clock: { now: () => now } });
    sessions = new ConsoleSessions(service.deps, { absoluteSeconds: 8 * 3600, idleSeconds: 3600 }, new SignInThrottle(5, 5 * 60_000), (id) => service.store.findAccessKey(id));
    key = (await service.keys.create('people')).key;
  });
  afterAll(() => service.close());

  it('opens a session for the right secret only, stores no token, and ends it at sign-out', async () => {
    at(0);
    const { token, session } = await sessions.signIn(key.id, key.secret, '10.0.0.1');
    expect(session.accountId).toBe(key.accountId);
    expect(await service.store.findSession(token)).toBeUndefined();
    expect((await sessions.resolve(token))?.accessKeyId).toBe(key.id);
    const other = await sessions.signIn(key.id, key.secret, '10.0.0.1');
    expect(other.session.csrfToken).not.toBe(session.csrfToken);
    await sessions.signOut(token);
    expect(await sessions.resolve(token)).toBeUndefined();
    expect(await sessions.resolve(other.token)).toBeDefined();
    await expect(sessions.signIn(key.id, 'not the secret', '10.0.0.1')).rejects.toMatchObject({ kind: 'unauthenticated' });
    await expect(sessions.signIn('SCnosuchkey', key.secret, '10.0.0.1')).rejects.toMatchObject({ kind: 'unauthenticated' });
    expect(await sessions.resolve('forged-token')).toBeUndefined();
  });

  it('ends a session after an idle hour, and after eight hours however busy', async () => {
    at(100);
    const idle = await sessions.signIn(key.id, key.secret, '10.0.0.2');
    const busy = await sessions.signIn(key.id, key.secret, '10.0.0.2');
    for (let m = 130; m < 100 + 8 * 60; m += 30) {
      at(m);
      expect(await sessions.resolve(busy.token)).toBeDefined();
    }
    expect(await sessions.resolve(idle.token)).toBeUndefined();
    at(100 + 8 * 60 + 1);
    expect(await sessions.resolve(busy.token)).toBeUndefined();
  });

  it('counts failed sign-ins per key and per address, and lets the owner in again once the window passes', async () => {
    at(1000);
    for (let i = 0; i < 5; i++) await expect(sessions.signIn(key.id, `wrong${i}`, '10.0.0.9')).rejects.toMatchObject({ kind: 'unauthenticated' });
    // Even the right secret waits now: the guesser must not learn that the sixth guess was right.
    const refused = await sessions.signIn(key.id, key.secret, '10.0.0.3').catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'rate_limited', details: { retryAfterSeconds: 300 } });
    // The same address trying another key is refused too.
    const other = (await service.keys.create('others')).key;
    await expect(sessions.signIn(other.id, other.secret, '10.0.0.9')).rejects.toMatchObject({ kind: 'rate_limited' });
    at(1006);
    expect((await sessions.signIn(key.id, key.secret, '10.0.0.3')).session.accessKeyId).toBe(key.id);
  });

  it('ends every session of a key that is disabled, and only those', async () => {
    at(2000);
    const doomed = (await service.keys.create('doomed')).key;
    const a = await sessions.signIn(doomed.id, doomed.secret, '10.0.0.4');
    const b = await sessions.signIn(doomed.id, doomed.secret, '10.0.0.5');
    const kept = await sessions.signIn(key.id, key.secret, '10.0.0.4');
    await service.keys.disable(doomed.id);
    expect(await sessions.resolve(a.token)).toBeUndefined();
    expect(await sessions.resolve(b.token)).toBeUndefined();
    expect(await sessions.resolve(kept.token)).toBeDefined();
    await expect(sessions.signIn(doomed.id, doomed.secret, '10.0.0.6')).rejects.toMatchObject({ kind: 'unauthenticated' });
  });
});
