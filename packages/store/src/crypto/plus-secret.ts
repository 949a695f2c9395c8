// Secrets CPA Manager Plus stored in its settings table (the CPA management key): `enc:v1:<nonce>:<sealed>`,
// both unpadded base64; AES-256-GCM under a key derived from the data key with HKDF-SHA256 (salt
// "cpa-manager-plus", info "settings-secrets-v1"), additional data "settings-secret", the tag after the
// ciphertext. Read only: cpamp re-encrypts what it carries over in its own format.
import { createDecipheriv, hkdfSync } from 'node:crypto';

export const PLUS_SECRET_PREFIX = 'enc:v1:';
const TAG_BYTES = 16;

export function plusSecretsKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, 'cpa-manager-plus', 'settings-secrets-v1', 32));
}

/** The plaintext; a value without the prefix is returned as is (Plus kept it so); null when the key is wrong. */
export function plusUnprotect(dataKey: Buffer, value: string): string | null {
  const v = value.trim();
  if (!v.startsWith(PLUS_SECRET_PREFIX)) return v;
  const parts = v.slice(PLUS_SECRET_PREFIX.length).split(':');
  if (parts.length !== 2) return null;
  const nonce = Buffer.from(parts[0]!, 'base64');
  const sealed = Buffer.from(parts[1]!, 'base64');
  if (nonce.length !== 12 || sealed.length < TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', plusSecretsKey(dataKey), nonce);
    decipher.setAAD(Buffer.from('settings-secret'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}
