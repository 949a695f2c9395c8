// The cpamp admin key: generated once (`cpamp_` + 32 alphanumerics) or supplied by env/file; only a salted
// scrypt hash is stored, in <dataDir>/admin-key.json (mode 0600). Verification is constant-time; a key that
// verified once is remembered as an in-memory HMAC so later requests skip the (deliberately slow) scrypt.
import { createHmac, pbkdf2 as pbkdf2Cb, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ServerError, TooManyAttemptsError } from '../errors';
import { createSemaphore } from '../proxy/semaphore';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ADMIN_KEY_PREFIX = 'cpamp_';
export const ADMIN_CREDENTIAL_FILE = 'admin-key.json';

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

const ScryptCredentialSchema = z.object({
  version: z.literal(1),
  algorithm: z.literal('scrypt'),
  N: z.number().int().positive(),
  r: z.number().int().positive(),
  p: z.number().int().positive(),
  salt: z.string().min(16),
  hash: z.string().min(16),
  source: z.enum(['generated', 'env', 'cli', 'cli-generated']),
  createdAtMs: z.number(),
  rotatedAtMs: z.number(),
});
/**
 * Carried over from CPA Manager Plus (its settings row admin_credential_v1): HMAC-SHA256 of the key under a
 * 16-byte salt (PBKDF2-SHA256 when Plus recorded more than one iteration). Kept so the admin key users had in
 * Plus keeps working; the first successful login replaces it with cpamp's scrypt record.
 */
const PlusCredentialSchema = z.object({
  version: z.literal(1),
  algorithm: z.literal('plus-hmac-sha256'),
  iterations: z.number().int().nonnegative(),
  salt: z.string().min(16),
  hash: z.string().min(16),
  source: z.literal('plus'),
  createdAtMs: z.number(),
  rotatedAtMs: z.number(),
});
const CredentialSchema = z.discriminatedUnion('algorithm', [ScryptCredentialSchema, PlusCredentialSchema]);
export type AdminCredentialRecord = z.infer<typeof CredentialSchema>;
export type PlusCredentialRecord = z.infer<typeof PlusCredentialSchema>;
export type AdminKeySource = AdminCredentialRecord['source'];
type ScryptSource = z.infer<typeof ScryptCredentialSchema>['source'];

/** `cpamp_` + 32 characters from [0-9A-Za-z], uniformly chosen by crypto.randomInt (no modulo bias). */
export function generateAdminKey(): string {
  let out = ADMIN_KEY_PREFIX;
  for (let i = 0; i < 32; i += 1) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

function scrypt(key: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    scryptCb(key, salt, SCRYPT.keyLength, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r }, (err, derived) =>
      err ? reject(err) : resolvePromise(derived),
    );
  });
}

export function credentialPath(dataDir: string): string {
  return join(dataDir, ADMIN_CREDENTIAL_FILE);
}

export function readCredential(dataDir: string): AdminCredentialRecord | null {
  const path = credentialPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ServerError('admin_credential_invalid', `Cannot read the admin credential ${path}: ${(error as Error).message}. Check the file's permissions.`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    json = error;
  }
  const parsed = CredentialSchema.safeParse(json);
  if (!parsed.success) {
    throw new ServerError('admin_credential_invalid', `The admin credential ${path} is corrupted. Run \`cpamp reset-admin-key\` to write a new one.`);
  }
  return parsed.data;
}

/** Hashes and writes (atomically, 0600) a credential for `key`. */
export async function writeCredential(dataDir: string, key: string, source: ScryptSource, now: number, previous: AdminCredentialRecord | null): Promise<AdminCredentialRecord> {
  const salt = randomBytes(16);
  const hash = await scrypt(key, salt, SCRYPT);
  const record: AdminCredentialRecord = {
    version: 1,
    algorithm: 'scrypt',
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    source,
    createdAtMs: previous?.createdAtMs ?? now,
    rotatedAtMs: now,
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return record;
}

/** Writes the credential carried over from Plus (atomically, 0600), unless cpamp already has one. */
export function writePlusCredential(dataDir: string, plus: { salt: string; keyHash: string; iterations: number; createdAtMs: number }, now: number): boolean {
  if (readCredential(dataDir) !== null) return false;
  const record: PlusCredentialRecord = {
    version: 1,
    algorithm: 'plus-hmac-sha256',
    iterations: plus.iterations,
    salt: plus.salt,
    hash: plus.keyHash,
    source: 'plus',
    createdAtMs: plus.createdAtMs || now,
    rotatedAtMs: now,
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return true;
}

function plusHash(record: PlusCredentialRecord, key: string): Promise<Buffer> {
  const salt = Buffer.from(record.salt, 'base64');
  // Plus trims the key before hashing.
  const trimmed = key.trim();
  if (record.iterations <= 1) return Promise.resolve(createHmac('sha256', salt).update(trimmed).digest());
  return new Promise((resolvePromise, reject) => {
    pbkdf2Cb(trimmed, salt, record.iterations, 32, 'sha256', (err, derived) => (err ? reject(err) : resolvePromise(derived)));
  });
}

export async function verifyAgainstRecord(record: AdminCredentialRecord, key: string): Promise<boolean> {
  const expected = Buffer.from(record.hash, 'base64');
  const actual = record.algorithm === 'plus-hmac-sha256' ? await plusHash(record, key) : await scrypt(key, Buffer.from(record.salt, 'base64'), record);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface AdminAuthenticator {
  /** Constant-time check of a presented key. */
  verify(key: string): Promise<boolean>;
  readonly source: AdminKeySource;
}

// Each scrypt check takes ~50 ms and 16 MiB on the libuv pool: at most two run at once, a few more wait.
const VERIFY_CONCURRENCY = 2;
const VERIFY_QUEUE = 16;
const VERIFY_WAIT_MS = 5_000;
/** No valid key is longer, or holds control characters (they cannot travel in a header anyway). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const PLAUSIBLE_KEY = /^[^\u0000-\u001f\u007f]{1,512}$/;

/** Verifier over one credential record; remembers a verified key as an HMAC with a per-process secret. */
export function createAdminAuthenticator(record: AdminCredentialRecord): AdminAuthenticator {
  const pepper = randomBytes(32);
  const digest = (key: string): Buffer => createHmac('sha256', pepper).update(key).digest();
  const slots = createSemaphore(VERIFY_CONCURRENCY, VERIFY_QUEUE);
  let remembered: Buffer | null = null;
  return {
    source: record.source,
    async verify(key: string): Promise<boolean> {
      if (!PLAUSIBLE_KEY.test(key)) return false;
      const d = digest(key);
      if (remembered && timingSafeEqual(d, remembered)) return true;
      const release = await slots.acquire(VERIFY_WAIT_MS).catch(() => {
        throw new TooManyAttemptsError(1, 'Too many admin key checks are waiting; retry in a second.');
      });
      try {
        const ok = await verifyAgainstRecord(record, key);
        if (ok) remembered = d;
        return ok;
      } finally {
        release();
      }
    },
  };
}

export interface EnsureAdminKeyResult {
  authenticator: AdminAuthenticator;
  /** The plaintext key when it was generated just now (print it once), else null. */
  generatedKey: string | null;
  /** What happened, for the start-up log. */
  action: 'existing' | 'generated' | 'from-env' | 'updated-from-env';
}

/**
 * First start: use the supplied key (env/file) or generate one. Later starts: keep the stored one, except
 * that a supplied key which no longer matches replaces it (Plus silently ignored a changed env key).
 */
export async function ensureAdminKey(dataDir: string, suppliedKey: string | null, now: number): Promise<EnsureAdminKeyResult> {
  const existing = readCredential(dataDir);
  if (existing) {
    if (suppliedKey !== null && !(await verifyAgainstRecord(existing, suppliedKey))) {
      const record = await writeCredential(dataDir, suppliedKey, 'env', now, existing);
      return { authenticator: createAdminAuthenticator(record), generatedKey: null, action: 'updated-from-env' };
    }
    return { authenticator: createAdminAuthenticator(existing), generatedKey: null, action: 'existing' };
  }
  if (suppliedKey !== null) {
    const record = await writeCredential(dataDir, suppliedKey, 'env', now, null);
    return { authenticator: createAdminAuthenticator(record), generatedKey: null, action: 'from-env' };
  }
  const key = generateAdminKey();
  const record = await writeCredential(dataDir, key, 'generated', now, null);
  return { authenticator: createAdminAuthenticator(record), generatedKey: key, action: 'generated' };
}

/** `cpamp reset-admin-key`: writes a new credential; returns the key when it was generated. */
export async function resetAdminKey(dataDir: string, suppliedKey: string | null, now: number): Promise<{ generatedKey: string | null }> {
  const previous = readCredential(dataDir);
  if (suppliedKey !== null) {
    await writeCredential(dataDir, suppliedKey, 'cli', now, previous);
    return { generatedKey: null };
  }
  const key = generateAdminKey();
  await writeCredential(dataDir, key, 'cli-generated', now, previous);
  return { generatedKey: key };
}
