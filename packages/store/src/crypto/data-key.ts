import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors';

const VERSION = 'v1';

/** Accepts 32 raw bytes, or 64 hex characters, or base64 of 32 bytes. */
export function parseDataKey(key: Uint8Array | string, where: string, fromFile = false): Buffer {
  let buf: Buffer;
  if (typeof key === 'string') {
    const t = key.trim();
    buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  } else {
    buf = Buffer.from(key);
  }
  if (buf.length !== 32) {
    throw new StoreError(
      'data_key_invalid',
      `The data key from ${where} is ${buf.length} bytes; it must be 32 bytes (raw, 64 hex characters or base64). ` +
        (fromFile
          ? 'Fix the key or remove the file to let cpamp create a new one (stored secrets must then be re-entered).'
          : 'Pass the key that encrypted the stored secrets, or a new one (e.g. `openssl rand -hex 32`; stored secrets must then be re-entered).'),
    );
  }
  return buf;
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
