// Auth JSON a user pastes or uploads on the Accounts page: CPA auth files (one object or an array of them)
// and Sub2API exports (`{ accounts: [{ platform, type: 'oauth', credentials: {...} }] }`), converted here
// into CPA auth files and validated before anything reaches CPA.
import { z } from 'zod';

export interface AuthFileDraft {
  name: string;
  content: Record<string, unknown>;
}
export type ParsedAuthJson = { ok: true; files: AuthFileDraft[]; format: 'cpa' | 'sub2api' } | { ok: false; error: string };

const KNOWN_TYPES = new Set(['codex', 'claude', 'gemini', 'gemini-cli', 'antigravity', 'qwen', 'iflow', 'kimi', 'xai', 'vertex', 'aistudio']);
const CpaAuth = z.looseObject({ type: z.string().min(1) });
const Sub2ApiAccount = z.looseObject({
  name: z.string().optional(),
  platform: z.string(),
  type: z.string(),
  credentials: z.looseObject({
    access_token: z.string().optional(),
    refresh_token: z.string().optional(),
    id_token: z.string().optional(),
    expires_at: z.union([z.string(), z.number()]).optional(),
    email: z.string().optional(),
    chatgpt_account_id: z.string().optional(),
    plan_type: z.string().optional(),
  }),
  extra: z.looseObject({ email: z.string().optional() }).optional(),
  priority: z.number().optional(),
});
const Sub2ApiExport = z.looseObject({ accounts: z.array(z.unknown()) });

const safe = (s: string) => s.replace(/[^A-Za-z0-9@._+-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'account';
const hasSecret = (c: Record<string, unknown>) =>
  ['access_token', 'refresh_token', 'api_key', 'token', 'service_account', 'cookie'].some((k) => c[k] !== undefined && c[k] !== '');

function cpaFile(raw: unknown, i: number): AuthFileDraft | string {
  const r = CpaAuth.safeParse(raw);
  if (!r.success) return `item ${i + 1}: "type" is missing`;
  const c = r.data as Record<string, unknown> & { type: string };
  if (!KNOWN_TYPES.has(c.type)) return `item ${i + 1}: unknown type "${c.type}"`;
  if (!hasSecret(c)) return `item ${i + 1}: no token or key in it`;
  const who = typeof c.email === 'string' && c.email ? c.email : typeof c.account === 'string' ? c.account : `${i + 1}`;
  return { name: `${c.type}-${safe(who)}.json`, content: c };
}

function fromSub2Api(raw: unknown, i: number): AuthFileDraft | string | null {
  const r = Sub2ApiAccount.safeParse(raw);
  if (!r.success) return `account ${i + 1}: not a Sub2API account`;
  const a = r.data;
  if (a.type !== 'oauth') return null;
  const type = a.platform === 'openai' ? 'codex' : a.platform === 'anthropic' ? 'claude' : null;
  if (!type) return null;
  const cr = a.credentials;
  if (!cr.access_token && !cr.refresh_token) return `account ${i + 1} (${a.name ?? a.platform}): no token`;
  const email = cr.email ?? a.extra?.email ?? '';
  const expired = typeof cr.expires_at === 'number' ? new Date(cr.expires_at * (cr.expires_at < 1e12 ? 1000 : 1)).toISOString() : cr.expires_at;
  const content: Record<string, unknown> = {
    type,
    ...(email ? { email } : {}),
    ...(cr.access_token ? { access_token: cr.access_token } : {}),
    ...(cr.refresh_token ? { refresh_token: cr.refresh_token } : {}),
    ...(cr.id_token ? { id_token: cr.id_token } : {}),
    ...(cr.chatgpt_account_id ? { account_id: cr.chatgpt_account_id } : {}),
    ...(expired ? { expired } : {}),
    ...(a.priority !== undefined ? { priority: a.priority } : {}),
  };
  return { name: `${type}-${safe(email || a.name || String(i + 1))}.json`, content };
}

/** Parses pasted or uploaded text; every problem is reported, nothing is half-accepted. */
export function parseAuthJson(text: string): ParsedAuthJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${(e as Error).message})` };
  }
  const sub = Sub2ApiExport.safeParse(raw);
  if (sub.success && !Array.isArray(raw)) {
    const out: AuthFileDraft[] = [];
    const errors: string[] = [];
    sub.data.accounts.forEach((a, i) => {
      const f = fromSub2Api(a, i);
      if (typeof f === 'string') errors.push(f);
      else if (f) out.push(f);
    });
    if (errors.length) return { ok: false, error: errors.join('; ') };
    if (!out.length) return { ok: false, error: 'the Sub2API export has no OpenAI or Anthropic OAuth account' };
    return { ok: true, files: dedupeNames(out), format: 'sub2api' };
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.length) return { ok: false, error: 'empty list' };
  const out: AuthFileDraft[] = [];
  const errors: string[] = [];
  list.forEach((x, i) => {
    const f = cpaFile(x, i);
    if (typeof f === 'string') errors.push(f);
    else out.push(f);
  });
  if (errors.length) return { ok: false, error: errors.join('; ') };
  return { ok: true, files: dedupeNames(out), format: 'cpa' };
}

function dedupeNames(files: AuthFileDraft[]): AuthFileDraft[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = seen.get(f.name) ?? 0;
    seen.set(f.name, n + 1);
    return n ? { ...f, name: f.name.replace(/\.json$/, `-${n + 1}.json`) } : f;
  });
}

/** Browser File objects for CPA's multipart upload. */
export const toFiles = (drafts: readonly AuthFileDraft[]): File[] =>
  drafts.map((d) => new File([JSON.stringify(d.content, null, 2)], d.name, { type: 'application/json' }));
