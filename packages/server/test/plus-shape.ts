// Key-structure comparison of a cpamp answer against a recorded CPA Manager Plus answer: every field Plus
// writes must be there with the same JSON type, recursively (arrays: their first elements). cpamp may add
// fields. null on either side matches any type (Plus writes null for "no data yet", cpamp for "unknown").
// An empty cpamp array where Plus has items is accepted only when the answer's X-Cpamp-Partial header
// names it (a header token, after its last '.', that occurs in the field's name).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'plus-v1.12.2');

/**
 * Where recorded answers are read, first match wins: `routes-pool/` (Plus with a pool: inspection runs, candidates,
 * cooldowns; recorded by hand, see its README), then `routes/` (test/fixtures/record/record.mjs). PLUS_ROUTES_DIR
 * points the comparison at one other recording instead.
 */
export const PLUS_ROUTES_DIRS = process.env.PLUS_ROUTES_DIR
  ? [process.env.PLUS_ROUTES_DIR]
  : [join(FIXTURES, 'routes-pool'), join(FIXTURES, 'routes')];

/** A recorded answer: the JSON body (recordings that wrap it as {request, status, contentType, body} are unwrapped). */
export function plusAnswer(name: string): unknown {
  const dir = PLUS_ROUTES_DIRS.find((d) => existsSync(join(d, `${name}.json`))) ?? PLUS_ROUTES_DIRS[0]!;
  const raw = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as unknown;
  const wrapped =
    raw !== null && typeof raw === 'object' && 'request' in raw && 'status' in raw && 'body' in raw;
  return wrapped ? (raw as { body: unknown }).body : raw;
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export function shapeDiff(plus: unknown, ours: unknown, partialHeader = '', path = '$'): string[] {
  const tokens = partialHeader
    .split(', ')
    .map((t) => t.split('.').at(-1)!.trim())
    .filter(Boolean);
  const tolerated = (key: string) => tokens.some((t) => key.includes(t));
  const walk = (p: unknown, o: unknown, at: string, key: string): string[] => {
    if (p === null || o === null) return [];
    if (kind(p) !== kind(o)) return [`${at}: Plus has ${kind(p)}, cpamp has ${kind(o)}`];
    if (Array.isArray(p) && Array.isArray(o)) {
      if (p.length === 0) return [];
      if (o.length === 0) return tolerated(key) ? [] : [`${at}: Plus has items, cpamp's array is empty`];
      return walk(p[0], o[0], `${at}[0]`, key);
    }
    if (kind(p) === 'object') {
      const po = p as Record<string, unknown>;
      const oo = o as Record<string, unknown>;
      return Object.keys(po).flatMap((k) =>
        k in oo ? walk(po[k], oo[k], `${at}.${k}`, k) : tolerated(k) ? [] : [`${at}.${k}: missing in cpamp`],
      );
    }
    return [];
  };
  return walk(plus, ours, path, '');
}
