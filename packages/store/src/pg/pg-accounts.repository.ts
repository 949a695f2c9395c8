import { sql } from 'kysely';
import type { Account } from '../accounts/accounts.repository';
import type { AccountsRepository, ApiKeysRepository } from '../repositories';
import { rows, type PgDb } from './pg-connection';
import type { PgDictionary } from './pg-dictionary';

interface AccountRow {
  id: number;
  auth_index: string;
  email: string | null;
  project_id: string | null;
  plan: string | null;
  file_name: string | null;
  provider: string | null;
  label: string | null;
  first_seen_ms: number | null;
  snapshot_ms: number | null;
  deleted_ms: number | null;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  authIndex: r.auth_index,
  email: r.email,
  projectId: r.project_id,
  plan: r.plan,
  fileName: r.file_name,
  provider: r.provider,
  label: r.label,
  firstSeenMs: r.first_seen_ms,
  snapshotMs: r.snapshot_ms,
  deletedMs: r.deleted_ms,
});

export function createPgAccountsRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): AccountsRepository {
  const { db, now } = deps;
  const repo: AccountsRepository = {
    async list() {
      deps.assertOpen();
      return (await rows(db, sql<AccountRow>`SELECT * FROM account ORDER BY id`)).map(toAccount);
    },
    async get(authIndex) {
      deps.assertOpen();
      const r = await rows(db, sql<AccountRow>`SELECT * FROM account WHERE auth_index = ${authIndex}`);
      return r[0] ? toAccount(r[0]) : undefined;
    },
    async upsertSnapshot(s) {
      deps.assertOpen();
      const t = now();
      const nz = (v: string | null | undefined) => v ?? null;
      // New accounts start like the insert path creates them; only non-empty fields overwrite.
      await sql`INSERT INTO account (auth_index, provider, label, first_seen_ms, last_seen_ms)
        VALUES (${s.authIndex}, ${s.provider ?? ''}, ${s.label ?? s.email ?? ''}, ${t}, ${t})
        ON CONFLICT (auth_index) DO NOTHING`.execute(db);
      await sql`UPDATE account SET email = coalesce(nullif(${nz(s.email)}, ''), email),
          project_id = coalesce(nullif(${nz(s.projectId)}, ''), project_id),
          plan = coalesce(nullif(${nz(s.plan)}, ''), plan), file_name = coalesce(nullif(${nz(s.fileName)}, ''), file_name),
          provider = coalesce(nullif(${nz(s.provider)}, ''), provider), label = coalesce(nullif(${nz(s.label)}, ''), label),
          snapshot_ms = ${t}, deleted_ms = NULL
        WHERE auth_index = ${s.authIndex}`.execute(db);
      return (await repo.get(s.authIndex))!;
    },
    async markMissing(present) {
      deps.assertOpen();
      const keep = [...present];
      const r = await sql`UPDATE account SET deleted_ms = ${now()}
        WHERE auth_index <> '' AND deleted_ms IS NULL AND NOT (auth_index = ANY(${keep}::text[]))`.execute(
        db,
      );
      return Number(r.numAffectedRows ?? 0);
    },
    async labels() {
      deps.assertOpen();
      const out = new Map<number, string>();
      for (const a of await repo.list()) out.set(a.id, a.email || a.label || a.fileName || '');
      return out;
    },
  };
  return repo;
}

export function createPgApiKeysRepository(deps: {
  db: PgDb;
  dict: PgDictionary;
  now: () => number;
  assertOpen: () => void;
}): ApiKeysRepository {
  const { db, now } = deps;
  return {
    async list() {
      deps.assertOpen();
      return rows(
        db,
        sql<{ hash: string; label: string; alias: string | null }>`
          SELECT hash, label, alias FROM api_key WHERE hash <> '' ORDER BY id`,
      );
    },
    async setAlias(hash, alias) {
      deps.assertOpen();
      await sql`INSERT INTO api_key (hash, label, alias, alias_updated_ms) VALUES (${hash}, '', ${alias}, ${now()})
        ON CONFLICT (hash) DO UPDATE SET alias = excluded.alias, alias_updated_ms = excluded.alias_updated_ms`.execute(
        db,
      );
      deps.dict.forgetKey(hash);
    },
  };
}
