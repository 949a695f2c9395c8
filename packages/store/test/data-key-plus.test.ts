// The data key is read the way CPA Manager Plus reads it (security.go): a data.key Plus wrote (unpadded base64
// and a newline) opens, a passphrase in CPA_MANAGER_DATA_KEY goes through the same HKDF, and cpamp's own forms
// (32 raw bytes in data.key, 64 hex characters) keep working.
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivePlusDataKey, parseDataKey, parseStoredDataKey } from '../src/crypto/data-key';
import { plusUnprotect } from '../src/crypto/plus-secret';

/** Plus's sealing, written from its documented layout, as the oracle for the decrypting side. */
function plusProtect(dataKey: Buffer, plaintext: string): string {
  const key = Buffer.from(hkdfSync('sha256', dataKey, 'cpa-manager-plus', 'settings-secrets-v1', 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from('settings-secret'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `enc:v1:${nonce.toString('base64').replace(/=+$/, '')}:${sealed.toString('base64').replace(/=+$/, '')}`;
}

describe('data key like Plus', () => {
  const key = randomBytes(32);

  it('reads every stored form Plus reads', () => {
    expect(parseStoredDataKey(key.toString('base64').replace(/=+$/, ''))).toEqual(key);
    expect(parseStoredDataKey(key.toString('base64'))).toEqual(key);
    expect(parseStoredDataKey(key.toString('base64url'))).toEqual(key);
    expect(parseStoredDataKey('0123456789abcdef0123456789abcdef')).toEqual(
      Buffer.from('0123456789abcdef0123456789abcdef'),
    );
    expect(parseStoredDataKey('too short')).toBeNull();
  });

  it("opens Plus's data.key (unpadded base64 and a newline) and cpamp's (32 raw bytes)", () => {
    const plusFile = Buffer.from(`${key.toString('base64').replace(/=+$/, '')}\n`);
    expect(plusFile.length).toBe(44);
    expect(parseDataKey(plusFile, 'data.key', true)).toEqual(key);
    expect(parseDataKey(key, 'data.key', true)).toEqual(key);
    expect(() => parseDataKey(Buffer.from('short\n'), 'data.key', true)).toThrow(/data\.key/);
  });

  it('derives any other value with HKDF-SHA256 (salt cpa-manager-plus, info data-key-v1)', () => {
    const expected = Buffer.from(
      hkdfSync('sha256', Buffer.from('my passphrase'), 'cpa-manager-plus', 'data-key-v1', 32),
    );
    expect(derivePlusDataKey('  my passphrase\n')).toEqual(expected);
    expect(parseDataKey('my passphrase', 'CPA_MANAGER_DATA_KEY')).toEqual(expected);
    expect(parseDataKey('ab'.repeat(32), 'CPAMP_DATA_KEY')).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
    expect(() => parseDataKey('  ', 'CPA_MANAGER_DATA_KEY')).toThrow(/data key/);
  });

  it("decrypts a secret in Plus's enc:v1 format and refuses a wrong key", () => {
    const sealed = plusProtect(key, 'mgmt-secret-123');
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9+/]+:[A-Za-z0-9+/]+$/);
    expect(plusUnprotect(key, sealed)).toBe('mgmt-secret-123');
    expect(plusUnprotect(randomBytes(32), sealed)).toBeNull();
    expect(plusUnprotect(key, 'plain-text')).toBe('plain-text');
    // the admin credential's hash is HMAC-SHA256 keyed by the salt (iterations 1), as Plus stores it
    expect(createHmac('sha256', Buffer.alloc(16)).update('k').digest().length).toBe(32);
  });

  it('decrypts the management key saved by the real Plus v1.12.2 (recorded data dir)', () => {
    // Values from a data dir the real binary wrote (POST /setup with managementKey "mgmt-secret-123").
    const dataKey = parseDataKey(Buffer.from(REAL.dataKey), 'data.key', true);
    expect(plusUnprotect(dataKey, REAL.sealed)).toBe('mgmt-secret-123');
  });
});

const REAL = {
  dataKey: '/BaU+kwzbHwcoOhlr1Z8Ze/yB/DSU7CdR7dQE75jcIc\n',
  sealed: 'enc:v1:reklaUi/NEuZUZWC:rCxKQ/RyEXCXe0hQ0dCwzHD8xp5QZ0e+X9g+15+jWw',
};
