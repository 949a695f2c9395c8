import { z } from 'zod';
const S = z.looseObject({ a: z.string().optional().catch(undefined), b: z.number().nullable().default(0), c: z.array(z.boolean()).catch([]), d: z.record(z.string(), z.unknown()), e: z.union([z.literal('x'), z.enum(['a','b'])]), f: z.object({}).transform((v) => v), g: z.string().min(1) });
export const out = S.safeParse(globalThis.x);
