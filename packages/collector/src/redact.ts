// Secret handling for anything that leaves the collector: hashing, masking, redaction and size caps.
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * 'sk-team-a-1234567890' → '…7890'. A label shows at most the last 4 characters (fewer for short values),
 * never a prefix: a prefix plus a suffix left too little of a short key unknown.
 */
export function maskSecret(value: string): string {
  const v = value.trim();
  if (v === '') return '';
  if (v.length <= 6) return '…';
  if (v.length <= 11) return `…${v.slice(-2)}`;
  return `…${v.slice(-4)}`;
}

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Authorization: Bearer <token> / Basic <token>
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  // JWTs (three base64url segments, header starts with eyJ). The look-behind gives each run of token
  // characters one possible start, so a long `-eyJ-eyJ…` run costs linear time, not quadratic.
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[REDACTED_JWT]'],
  // OpenAI / Anthropic / generic sk- keys, Google API keys, xAI keys, GitHub tokens
  [/\bsk-[A-Za-z0-9_-]{6,}/g, 'sk-[REDACTED]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, 'AIza[REDACTED]'],
  [/\bxai-[A-Za-z0-9_-]{10,}/g, 'xai-[REDACTED]'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, 'gh_[REDACTED]'],
  // key=value / "key":"value" pairs whose name says secret
  [
    /("?(?:api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|secret|password|authorization|x-api-key|management[_-]?key)"?\s*[:=]\s*"?)([^"\s,&}]{4,})/gi,
    '$1[REDACTED]',
  ],
];

/** Replaces bearer tokens, sk-… keys, JWTs and other credential-looking substrings. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, rep] of SECRET_PATTERNS) out = out.replace(re, rep);
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Well-formed UTF-16 without NULs (SQLite and JSON consumers choke on both). */
export function sanitizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(/\u0000/g, '');
}

/** Caps to maxBytes of UTF-8 without splitting a character; marks the cut with '…'. */
export function capBytes(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text; // fast path: even all 3-byte chars fit
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - 3);
  // step back to a UTF-8 boundary (continuation bytes are 10xxxxxx)
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}…`;
}

/** sanitize + cap: every free-text field goes through this. */
export function cleanText(text: string, maxBytes: number): string {
  return capBytes(sanitizeText(text), maxBytes);
}

/** Redact + sanitize + cap, for payloads that may carry secrets (fail bodies, dead letters). */
export function redactAndCap(text: string, maxBytes: number): string {
  // Redact before capping so a cut cannot expose half a secret that the pattern would no longer match.
  const head = text.length > maxBytes * 4 ? text.slice(0, maxBytes * 4) : text;
  return capBytes(redactSecrets(sanitizeText(head)), maxBytes);
}
