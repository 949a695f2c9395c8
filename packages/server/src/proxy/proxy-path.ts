// What a path means to CPA: its router (gin) matches on Go's decoded URL.Path, so every check on a proxied
// path is made on the decoded segments. A path whose decoding could be read two ways is refused outright:
// an escaped unreserved character (`%75sage-queue`, `usage%2Dqueue`) only serves to slip past a check, and an
// escaped separator, NUL, dot segment, empty segment or invalid escape changes the path's shape.
import { ServerError } from '../errors';

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const FORBIDDEN_BYTES = new Set([0x00, 0x2f, 0x5c]); // NUL, '/', '\'

function reject(detail: string): never {
  throw new ServerError('proxy_path_rejected', `The path ${detail}; send a plain path (percent-encode only reserved characters).`);
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  for (const m of segment.matchAll(/%([0-9A-Fa-f]{2})?/g)) {
    if (m[1] === undefined) reject('has an invalid percent escape');
    const byte = parseInt(m[1], 16);
    if (FORBIDDEN_BYTES.has(byte)) reject('contains an encoded separator or NUL');
    if (byte < 0x80 && UNRESERVED.test(String.fromCharCode(byte))) reject(`encodes the plain character "${String.fromCharCode(byte)}"`);
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    return reject('has percent escapes that are not valid UTF-8');
  }
}

/** The decoded path of a request URL (query dropped), or a `proxy_path_rejected` error. */
export function decodeProxyPath(rawUrl: string): string {
  const rawPath = rawUrl.split('?', 1)[0] ?? '';
  if (!rawPath.startsWith('/') || rawPath.includes('\\') || rawPath.includes('//')) reject('is not a plain absolute path');
  const segments = rawPath.slice(1).split('/');
  const decoded = segments.map((raw) => {
    const seg = decodeSegment(raw);
    if (seg === '.' || seg === '..') reject('contains dot segments');
    return seg;
  });
  return `/${decoded.join('/')}`;
}
