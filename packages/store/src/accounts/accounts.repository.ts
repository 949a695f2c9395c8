import type Database from 'better-sqlite3';
import type { DictionaryCache } from '../dictionary/dictionary-cache';

export interface AccountSnapshotInput {
  authIndex: string;
  email?: string | null;
  projectId?: string | null;
  plan?: string | null;
  fileName?: string | null;
  provider?: string | null;
  label?: string | null;
}

export interface Account {
  id: number;
  authIndex: string;
  email: string | null;
  projectId: string | null;
  plan: string | null;
  fileName: string | null;
  provider: string | null;
  label: string | null;
  firstSeenMs: number | null;
  snapshotMs: number | null;
  /** Set when the auth file disappeared from CPA; the row (and its history) stays. */
  deletedMs: number | null;
}

export interface AccountsRepository {
  list(): Account[];
  get(authIndex: string): Account | undefined;
  /** Records what CPA's /auth-files says now; only non-empty fields overwrite. */
  upsertSnapshot(snapshot: AccountSnapshotInput): Account;
  /** Marks every account not in `present` as deleted (history survives auth-file deletion). */
  markMissing(present: readonly string[]): number;
  /** id → display label (email, else label, else file name) for breakdowns. */
  labels(): Map<number, string>;
}

export interface ApiKeyInfo {
  hash: string;
  label: string;
  alias: string | null;
}

export interface ApiKeysRepository {
  list(): ApiKeyInfo[];
  /** Alias keyed by the key hash; null clears it. Creates the key entry if unseen. */
  setAlias(hash: string, alias: string | null): void;
}

const toAccount = (r: Record<string, unknown>): Account => ({
  id: r.id as number,
  authIndex: r.auth_index as string,
  email: (r.email as string | null) ?? null,
  projectId: (r.project_id as string | null) ?? null,
  plan: (r.plan as string | null) ?? null,
  fileName: (r.file_name as string | null) ?? null,
  provider: (r.provider as string | null) ?? null,
  label: (r.label as string | null) ?? null,
  firstSeenMs: (r.first_seen_ms as number | null) ?? null,
  snapshotMs: (r.snapshot_ms as number | null) ?? null,
  deletedMs: (r.deleted_ms as number | null) ?? null,
});

export function createAccountsRepository(
  writer: Database.Database,
  reader: () => Database.Database,
  dict: DictionaryCache,
  now: () => number,
): AccountsRepository {
  let labelCache: Map<number, string> | null = null;
  let labelSize = -1;
  const repo: AccountsRepository = {
    list: () =>
      (reader().prepare('SELECT * FROM account ORDER BY id').all() as Record<string, unknown>[]).map(
        toAccount,
      ),
    get(authIndex) {
      const r = reader().prepare('SELECT * FROM account WHERE auth_index = ?').get(authIndex) as
        Record<string, unknown> | undefined;
      return r ? toAccount(r) : undefined;
    },
    upsertSnapshot(s) {
      const t = now();
      writer.transaction(() => {
        dict.accountId(s.authIndex, s.provider ?? '', s.label ?? s.email ?? '', t);
        writer
          .prepare(
            `UPDATE account SET email = coalesce(nullif(?, ''), email), project_id = coalesce(nullif(?, ''), project_id),
               plan = coalesce(nullif(?, ''), plan), file_name = coalesce(nullif(?, ''), file_name),
               provider = coalesce(nullif(?, ''), provider), label = coalesce(nullif(?, ''), label),
               snapshot_ms = ?, deleted_ms = NULL WHERE auth_index = ?`,
          )
          .run(
            s.email ?? null,
            s.projectId ?? null,
            s.plan ?? null,
            s.fileName ?? null,
            s.provider ?? null,
            s.label ?? null,
            t,
            s.authIndex,
          );
      })();
      dict.commit();
      labelCache = null;
      return repo.get(s.authIndex)!;
    },
    markMissing(present) {
      const keep = new Set(present);
      const t = now();
      let n = 0;
      const upd = writer.prepare(
        'UPDATE account SET deleted_ms = ? WHERE auth_index = ? AND deleted_ms IS NULL',
      );
      writer.transaction(() => {
        for (const a of repo.list())
          if (a.authIndex !== '' && !keep.has(a.authIndex)) n += upd.run(t, a.authIndex).changes;
      })();
      return n;
    },
    labels() {
      if (!labelCache || labelSize !== dict.size('account')) {
        labelSize = dict.size('account');
        labelCache = new Map();
        for (const a of repo.list()) labelCache.set(a.id, a.email || a.label || a.fileName || '');
      }
      return labelCache;
    },
  };
  return repo;
}

export function createApiKeysRepository(
  writer: Database.Database,
  dict: DictionaryCache,
  now: () => number,
): ApiKeysRepository {
  return {
    list: () =>
      dict
        .allKeys()
        .filter((k) => k.hash !== '')
        .map((k) => ({ hash: k.hash, label: k.label, alias: k.alias })),
    setAlias(hash, alias) {
      writer.transaction(() => {
        dict.keyId(hash, '');
        writer
          .prepare('UPDATE api_key SET alias = ?, alias_updated_ms = ? WHERE hash = ?')
          .run(alias, now(), hash);
      })();
      dict.commit();
      dict.setKeyAlias(hash, alias);
    },
  };
}
