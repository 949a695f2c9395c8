// The panel's production build resolves `zod` to this file (vite.config.ts). Classic zod attaches every
// method to every schema, so none of it tree-shakes: it cost 25.3 kB gzip of the 300 kB budget. zod/mini
// runs the same parser core without the methods (7.7 kB). This facade gives mini schemas the few chained
// methods the panel's schemas use, so the schema files keep the classic syntax and classic types (source,
// typecheck and unit tests use real classic zod; the built panel, and so every browser test, uses this).
// A method not listed here would throw "is not a function" on first parse: the browser walk parses every
// page's responses, and zod-lite.test.ts checks each method against classic zod.
import type { z as classic } from 'zod';
import * as m from 'zod/mini';
import { en } from 'zod/v4/locales';

// Classic zod installs its English messages on import; mini does not. Response errors show the first issue.
m.config(en());

type Mini = m.ZodMiniType;

/** Adds the classic chained methods the panel uses to one mini schema (and, through `wrap`, to what they return). */
function wrap(s: Mini): Mini {
  const o = s as Mini & Record<string, unknown>;
  o['optional'] = () => wrap(m.optional(s));
  o['nullable'] = () => wrap(m.nullable(s));
  o['catch'] = (v: unknown) => wrap(m.catch(s, v as never));
  o['default'] = (v: unknown) => wrap(m._default(s, v as never));
  o['transform'] = (fn: (v: unknown) => unknown) => wrap(m.pipe(s, m.transform(fn) as Mini));
  o['min'] = (n: number) => wrap(s.check(m.minLength(n) as never));
  o['extend'] = (shape: m.core.$ZodLooseShape) => wrap(m.extend(s as never, shape));
  return s;
}

const w =
  <A extends unknown[]>(f: (...a: A) => Mini) =>
  (...a: A) =>
    wrap(f(...a));

const lite = {
  string: w(m.string),
  number: w(m.number),
  boolean: w(m.boolean),
  unknown: w(m.unknown),
  literal: w(m.literal),
  enum: w(m.enum),
  array: w(m.array),
  record: w(m.record),
  union: w(m.union),
  object: w(m.object),
  looseObject: w(m.looseObject),
};

/** Typed as classic zod: the schema files and their inferred types stay exactly as they are. */
export const z = lite as unknown as typeof classic;
