// Imports must not smuggle a raw client key into the store: a key hash is 64 lowercase hex (Plus's aliases
// and imports match on exactly that), anything else is treated as the key itself and hashed; a label keeps
// at most the last 4 characters, as the collector masks it.
import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The collector's rule (`maskSecret`), kept here because the store imports no other @cpamp package. */
export function maskKeyLabel(value: string): string {
  const v = value.trim();
  if (v === '') return '';
  const cut = v.lastIndexOf('…');
  if (cut >= 0) {
    const tail = v.slice(cut + 1);
    return `…${tail.slice(-4)}`;
  }
  if (v.length <= 6) return '…';
  if (v.length <= 11) return `…${v.slice(-2)}`;
  return `…${v.slice(-4)}`;
}

export function normalizeKeyFields(hash: string, label: string): { apiKeyHash: string; apiKeyLabel: string } {
  const h = hash.trim();
  if (h === '' || SHA256_HEX.test(h)) return { apiKeyHash: h, apiKeyLabel: maskKeyLabel(label) };
  if (SHA256_HEX.test(h.toLowerCase())) return { apiKeyHash: h.toLowerCase(), apiKeyLabel: maskKeyLabel(label) };
  // Not a hash: the file carried the key itself. Store only its hash and a masked label.
  return { apiKeyHash: createHash('sha256').update(h, 'utf8').digest('hex'), apiKeyLabel: maskKeyLabel(label.includes('…') ? label : h) };
}
