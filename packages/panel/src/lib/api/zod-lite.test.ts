import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z as classic } from 'zod';
import { z as lite } from './zod-lite';

type Z = typeof classic;

// Every constructor and chained method the panel's schemas use, built once with each implementation.
const build = (z: Z) => ({
  obj: z.looseObject({
    s: z.string().optional(),
    n: z.number().nullable().optional().catch(undefined),
    d: z.number().default(7),
    c: z.array(z.string()).catch([]),
    r: z.record(z.string(), z.unknown()).optional(),
    u: z.union([z.literal('a'), z.number()]).optional(),
    e: z.enum(['x', 'y']).catch('x'),
    b: z.boolean().default(false),
  }),
  strict: z.object({ a: z.string() }),
  min: z.looseObject({ type: z.string().min(1) }),
  tr: z.looseObject({ v: z.union([z.number(), z.string()]).optional() }).transform((o) => String(o.v)),
  ext: z.looseObject({ a: z.number() }).extend({ b: z.string().catch('none') }),
});

const inputs: unknown[] = [
  {},
  { s: 'x', n: 3, d: 1, c: ['a'], r: { k: 1 }, u: 'a', e: 'y', b: true, extra: 1 },
  { s: 1, n: 'bad', c: 'bad', u: 'b', e: 'z', b: 'no' },
  { n: null, d: undefined, type: '', a: 2, v: 5 },
  { type: 'codex', a: 'str', b: 3, v: 'w' },
  null,
  'text',
  [],
];

describe('zod-lite (the built panel’s zod)', () => {
  const a = build(classic);
  const b = build(lite);
  for (const name of Object.keys(a) as (keyof typeof a)[]) {
    it(`${name} parses like classic zod`, () => {
      for (const input of inputs) {
        const x = a[name].safeParse(input);
        const y = b[name].safeParse(input);
        expect(y.success, JSON.stringify(input)).toBe(x.success);
        if (x.success && y.success) expect(y.data).toEqual(x.data);
        else
          expect(y.error?.issues.map((i) => [i.path, i.message])).toEqual(
            x.error?.issues.map((i) => [i.path, i.message]),
          );
      }
    });
  }
});

// A schema file that starts using a classic constructor or method the facade lacks would pass typecheck and
// unit tests (classic zod) and break only in the built panel: name them here so the facade grows with them.
describe('zod-lite covers what the panel uses', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|svelte)$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('zod-lite.ts'))
    .map((f) => readFileSync(join(root, f), 'utf8'))
    .filter((text) => /from 'zod'/.test(text));

  it('every z.<constructor>(…) is in the facade', () => {
    expect(files.length).toBeGreaterThan(10);
    const used = new Set(
      files.flatMap((text) => [...text.matchAll(/\bz\.([a-zA-Z]+)\(/g)].map((m) => m[1]!)),
    );
    expect([...used].filter((name) => !(name in lite))).toEqual([]);
  });

  it('no chained classic method outside the facade', () => {
    const CLASSIC_ONLY =
      /\)\s*\.(or|and|array|refine|superRefine|pipe|brand|int|positive|nonnegative|max|length|email|url|regex|trim|toLowerCase|partial|pick|omit|merge|strict|passthrough|nullish|readonly|describe|meta|keyof|unwrap)\(/;
    expect(
      files.filter((text) => CLASSIC_ONLY.test(text)).map((text) => CLASSIC_ONLY.exec(text)?.[0]),
    ).toEqual([]);
  });
});
