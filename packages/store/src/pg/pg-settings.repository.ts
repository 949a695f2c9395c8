import { sql } from 'kysely';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
import { StoreError } from '../errors';
import type { SettingsRepository } from '../repositories';
import { secretKey } from '../settings/settings.repository';
import { rows, type PgDb } from './pg-connection';

// The same keys and check value as the SQLite store, so secrets move between the two unchanged.
const KEY_CHECK = 'data_key_check';
const MANAGEMENT_KEY = 'cpa_management_key';
const CHECK_PLAINTEXT = 'cpamp-data-key-check';

export function createPgSettingsRepository(deps: {
  db: PgDb;
  dataKey: Buffer;
  now: () => number;
  assertOpen: () => void;
}): SettingsRepository {
  const { db, dataKey, now } = deps;
  const raw = async (key: string) => {
    deps.assertOpen();
    return (await rows(db, sql<{ value: string }>`SELECT value FROM settings WHERE key = ${key}`))[0]?.value;
  };
  const put = async (key: string, value: string) => {
    deps.assertOpen();
    await sql`INSERT INTO settings (key, value, updated_ms) VALUES (${key}, ${value}, ${now()})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`.execute(db);
  };
  const del = async (key: string) => {
    deps.assertOpen();
    await sql`DELETE FROM settings WHERE key = ${key}`.execute(db);
  };
  return {
    async get<T>(key: string) {
      const v = await raw(key);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    set: (key, value) => put(key, JSON.stringify(value)),
    delete: del,
    async getManagementKey() {
      const v = await raw(MANAGEMENT_KEY);
      if (v === undefined) return undefined;
      const plain = decryptSecret(dataKey, JSON.parse(v) as string);
      if (plain === null) {
        throw new StoreError(
          'data_key_mismatch',
          'The stored CPA management key does not decrypt with the current data key.',
        );
      }
      return plain;
    },
    setManagementKey: (key) => put(MANAGEMENT_KEY, JSON.stringify(encryptSecret(dataKey, key))),
    clearManagementKey: () => del(MANAGEMENT_KEY),
    async getSecret(name) {
      const v = await raw(secretKey(name));
      if (v === undefined) return undefined;
      const plain = decryptSecret(dataKey, JSON.parse(v) as string);
      if (plain === null)
        throw new StoreError('data_key_mismatch', `The stored secret "${name}" does not decrypt with the current data key.`);
      return plain;
    },
    setSecret: (name, value) => put(secretKey(name), JSON.stringify(encryptSecret(dataKey, value))),
    deleteSecret: (name) => del(secretKey(name)),
  };
}

/** Refuses a data key that does not match the one this database's secrets were encrypted with. */
export async function verifyPgDataKey(
  db: PgDb,
  dataKey: Buffer,
  where: string,
  now: () => number,
): Promise<void> {
  await sql`INSERT INTO settings (key, value, updated_ms)
    VALUES (${KEY_CHECK}, ${JSON.stringify(encryptSecret(dataKey, CHECK_PLAINTEXT))}, ${now()})
    ON CONFLICT (key) DO NOTHING`.execute(db);
  const row = (
    await rows(db, sql<{ value: string }>`SELECT value FROM settings WHERE key = ${KEY_CHECK}`)
  )[0];
  if (!row || decryptSecret(dataKey, JSON.parse(row.value) as string) !== CHECK_PLAINTEXT) {
    throw new StoreError(
      'data_key_mismatch',
      `The data key (${where}) does not match the key that encrypted this database's secrets. ` +
        'Use the original data key (dataKey / dataKeyPath); if it is lost, delete the settings row ' +
        '"data_key_check" and the stored CPA management key, then enter the key again.',
    );
  }
}
