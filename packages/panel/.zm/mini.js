import { z } from 'zod/mini';
const S = z.looseObject({ a: z.catch(z.optional(z.string()), undefined), b: z._default(z.nullable(z.number()), 0), c: z.catch(z.array(z.boolean()), []), d: z.record(z.string(), z.unknown()), e: z.union([z.literal('x'), z.enum(['a','b'])]), f: z.pipe(z.object({}), z.transform((v) => v)), g: z.string().check(z.minLength(1)) });
export const out = S.safeParse(globalThis.x);
