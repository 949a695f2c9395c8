import type Database from 'better-sqlite3';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
import { StoreError } from '../errors';

const KEY_CHECK = 'data_key_check';
const MANAGEMENT_KEY = 'cpa_management_key';
const CHECK_PLAINTEXT = 'cpamp-data-key-check';

export interface SettingsRepository {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** The CPA management key, decrypted; undefined when none is stored. */
  getManagementKey(): string | undefined;
  setManagementKey(key: string): void;
  clearManagementKey(): void;
  getSecret(name: string): string | undefined;
  setSecret(name: string, value: string): void;
  deleteSecret(name: string): void;
}

/** The settings row of a named secret (repositories.ts SettingsRepository.getSecret). */
export const secretKey = (name: string): string => `secret:${name}`;

export function createSettingsRepository(
  db: Database.Database,
  dataKey: Buffer,
  now: () => number,
): SettingsRepository {
  const getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const setStmt = db.prepare(
    'INSERT INTO settings(key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms',
  );
  const delStmt = db.prepare('DELETE FROM settings WHERE key = ?');
  const raw = (key: string) => getStmt.get(key)?.value;

  return {
    get<T>(key: string) {
      const v = raw(key);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    set(key, value) {
      setStmt.run(key, JSON.stringify(value), now());
    },
    delete(key) {
      delStmt.run(key);
    },
    getManagementKey() {
      const v = raw(MANAGEMENT_KEY);
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
    setManagementKey(key) {
      setStmt.run(MANAGEMENT_KEY, JSON.stringify(encryptSecret(dataKey, key)), now());
    },
    clearManagementKey() {
      delStmt.run(MANAGEMENT_KEY);
    },
    getSecret(name) {
      const v = raw(secretKey(name));
      if (v === undefined) return undefined;
      const plain = decryptSecret(dataKey, JSON.parse(v) as string);
      if (plain === null)
        throw new StoreError('data_key_mismatch', `The stored secret "${name}" does not decrypt with the current data key.`);
      return plain;
    },
    setSecret(name, value) {
      setStmt.run(secretKey(name), JSON.stringify(encryptSecret(dataKey, value)), now());
    },
    deleteSecret(name) {
      delStmt.run(secretKey(name));
    },
  };
}

/**
 * Refuses to continue when the data key does not match the one that encrypted the stored
 * secrets; records a check value on first use so a mismatch is caught even before a secret exists.
 */
export function verifyDataKey(
  db: Database.Database,
  dataKey: Buffer,
  where: string,
  now: () => number,
): void {
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?')
    .get(KEY_CHECK);
  if (!row) {
    db.prepare('INSERT INTO settings(key, value, updated_ms) VALUES (?, ?, ?)').run(
      KEY_CHECK,
      JSON.stringify(encryptSecret(dataKey, CHECK_PLAINTEXT)),
      now(),
    );
    return;
  }
  if (decryptSecret(dataKey, JSON.parse(row.value) as string) !== CHECK_PLAINTEXT) {
    throw new StoreError(
      'data_key_mismatch',
      `The data key (${where}) does not match the key that encrypted this database's secrets. ` +
        'Restore the original data.key (or the env-provided key) next to the database; if it is lost, ' +
        'delete the settings row "data_key_check" and the stored CPA management key, then enter the key again.',
    );
  }
}
