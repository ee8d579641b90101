import { AppError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { AccessKey, Account } from './model.js';

export const DEFAULT_ACCOUNT = 'default';

/** Accounts and their access keys, administered from the command line. */
export class AccessKeyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** A new key for the account, creating the account if needed. The secret is returned here and never again. */
  async create(accountName: string): Promise<{ key: AccessKey; account: Account }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(accountName)) {
      throw new AppError('invalid_argument', `account names are 1–64 letters, digits, '.', '_' or '-' (got '${accountName}')`);
    }
    const now = this.deps.clock.now();
    const account = await this.deps.store.ensureAccount(accountName, this.deps.newId(), now);
    const key: AccessKey = { id: `SC${this.deps.newToken(22)}`, secret: this.deps.newToken(30), accountId: account.id, status: 'Active', createdAt: now };
    await this.deps.store.insertAccessKey(key);
    return { key, account };
  }

  list(): ReturnType<ServiceDeps['store']['listAccessKeys']> {
    return this.deps.store.listAccessKeys();
  }

  async disable(id: string): Promise<void> {
    if (!(await this.deps.store.setAccessKeyStatus(id, 'Inactive'))) throw new AppError('not_found', `no access key ${id}`);
    // Its console sessions end now (each session also checks its key on every request).
    await this.deps.store.deleteSessionsOfKey(id);
  }

  /** The account a CLI command acts for; it must exist (keys create makes it). */
  async account(name: string): Promise<Account> {
    const keys = await this.deps.store.listAccessKeys();
    const owner = keys.find((k) => k.accountName === name);
    const account = owner === undefined ? undefined : await this.deps.store.findAccount(owner.accountId);
    if (account === undefined) throw new AppError('not_found', `no account named '${name}' (create one with: smartcover keys create --account ${name})`);
    return account;
  }
}
