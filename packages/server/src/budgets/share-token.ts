// Share-link tokens: 128 random bits, base64url (22 characters). Only their sha256 is stored; a list shows
// the first characters so a user can tell links apart.
import { createHash, randomBytes } from 'node:crypto';

export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const PREFIX_CHARS = 6;

export function newShareToken(): { token: string; tokenHash: string; tokenPrefix: string } {
  const token = randomBytes(16).toString('base64url');
  return { token, tokenHash: hashShareToken(token), tokenPrefix: token.slice(0, PREFIX_CHARS) };
}

export function hashShareToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
