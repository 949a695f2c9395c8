import { z } from 'zod';

// A cpamp (or CPA Manager Plus compatible) server answers GET /usage-service/info with a JSON object
// naming itself; CPA answers 404. Anything else (file://, network error, HTML) means CPA mode.
const InfoSchema = z.looseObject({
  service: z.string().optional(),
  setupRequired: z.boolean().optional(),
  configured: z.boolean().optional(),
  version: z.string().optional(),
});
export type ManagerInfo = z.output<typeof InfoSchema>;

export function isManagerInfo(body: unknown): body is ManagerInfo {
  const parsed = InfoSchema.safeParse(body);
  if (!parsed.success || Array.isArray(body)) return false;
  return typeof parsed.data.service === 'string' || typeof parsed.data.setupRequired === 'boolean';
}

export async function detectManager(
  pageHref: string,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  timeoutMs = 3000,
): Promise<ManagerInfo | null> {
  let url: URL;
  try {
    url = new URL('usage-service/info', pageHref);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  try {
    const res = await fetchFn(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
    if (!res.ok) return null;
    if (!(res.headers.get('content-type') ?? '').includes('json')) return null;
    const body: unknown = await res.json();
    return isManagerInfo(body) ? body : null;
  } catch {
    return null;
  }
}
