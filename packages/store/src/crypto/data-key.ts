import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors';

const VERSION = 'v1';

/**
 * A stored key as CPA Manager Plus reads its data.key: unpadded standard base64 (what Plus writes), padded
 * standard base64, unpadded URL-safe base64 — each of 32 bytes — or 32 characters taken as they are.
 * Returns null for anything else. Decoding is strict about the alphabet, as Go's decoders are.
 */
export function parseStoredDataKey(value: string): Buffer | null {
  const t = value.trim();
  if (t === '') return null;
  if (/^[A-Za-z0-9+/]+$/.test(t) && t.length % 4 !== 1) {
    const b = Buffer.from(t, 'base64');
    if (b.length === 32) return b;
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) {
    const b = Buffer.from(t, 'base64');
    if (b.length === 32) return b;
  }
  if (/^[A-Za-z0-9_-]+$/.test(t) && t.length % 4 !== 1) {
    const b = Buffer.from(t, 'base64url');
    if (b.length === 32) return b;
  }
  const raw = Buffer.from(t, 'utf8');
  return raw.length === 32 ? raw : null;
}

/**
 * A key given as a value (CPA_MANAGER_DATA_KEY and friends), read exactly as Plus reads it: a stored-key
 * form when it is one, else HKDF-SHA256 of the text (salt "cpa-manager-plus", info "data-key-v1").
 */
export function derivePlusDataKey(value: string): Buffer {
  const t = value.trim();
  return (
    parseStoredDataKey(t) ??
    Buffer.from(hkdfSync('sha256', Buffer.from(t, 'utf8'), 'cpa-manager-plus', 'data-key-v1', 32))
  );
}

function invalidKey(where: string, length: number, fromFile: boolean): StoreError {
  return new StoreError(
    'data_key_invalid',
    `The data key from ${where} is ${length} bytes and is not a key cpamp or CPA Manager Plus can read ` +
      '(32 raw bytes, 64 hex characters, or base64 of 32 bytes). ' +
      (fromFile
        ? 'Fix the key or remove the file to let cpamp create a new one (stored secrets must then be re-entered).'
        : 'Pass the key that encrypted the stored secrets, or a new one (e.g. `openssl rand -hex 32`; stored secrets must then be re-entered).'),
  );
}

/**
 * A key value: 64 hex characters (cpamp's documented form) or any form Plus accepts — a stored-key form, and
 * for any other non-empty text Plus's HKDF derivation, so a Plus passphrase keeps working. A data.key file:
 * 32 raw bytes (what cpamp writes) or the text forms Plus reads from its own data.key (what Plus writes).
 */
export function parseDataKey(key: Uint8Array | string, where: string, fromFile = false): Buffer {
  if (typeof key === 'string') {
    const t = key.trim();
    if (t === '') throw invalidKey(where, 0, fromFile);
    if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
    if (fromFile) {
      const stored = parseStoredDataKey(t);
      if (!stored) throw invalidKey(where, Buffer.byteLength(t), true);
      return stored;
    }
    return derivePlusDataKey(t);
  }
  const buf = Buffer.from(key);
  if (buf.length === 32) return buf;
  if (fromFile) {
    const text = buf.toString('utf8').trim();
    const parsed = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : parseStoredDataKey(text);
    if (parsed) return parsed;
  }
  throw invalidKey(where, buf.length, fromFile);
}

/** Reads data.key, creating it (32 random bytes, mode 0600) when it does not exist. */
export function loadOrCreateDataKeyFile(path: string): { key: Buffer; created: boolean } {
  try {
    if (existsSync(path)) return { key: parseDataKey(readFileSync(path), path, true), created: false };
    const key = randomBytes(32);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return { key, created: true };
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(
      'open_failed',
      `Cannot read or create the data key file ${path}: ${(cause as Error).message}. Check the path and its permissions.`,
      { cause },
    );
  }
}

/** AES-256-GCM; output `v1:<iv b64>:<tag b64>:<ciphertext b64>`. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/** Returns null when the key does not authenticate the ciphertext. */
export function decryptSecret(key: Buffer, encoded: string): string | null {
  const parts = encoded.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64'));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
