/**
 * The upstream credential pool: OAuth auth files (codex, claude, antigravity) and API-key credentials
 * (codex/claude/gemini keys, openai-compatibility entries). Records and auth files derive `auth_index`
 * from the same seed string, so a record's `auth_index` resolves to its auth file.
 */
import { createHash } from 'node:crypto';
import {
  CODEX_PLANS,
  COMPAT_ENTRIES,
  EMAIL_DOMAINS,
  FAMILIES,
  FAMILY_SHARES,
  FIRST_NAMES,
  LAST_NAMES,
} from './catalog';
import { Prng, seedToInt } from './prng';
import type { FakeAuthFile, GenerateAccountsOptions, GeneratedAccount, ProviderFamily } from './types';

/** auth-dir of the emulated CPA; part of every OAuth credential's auth_index seed. */
export const FAKE_AUTH_DIR = '/root/.cli-proxy-api';

/** Reference instant for token expiries and refresh times in the auth files (the v7.2.140 tag date). */
const REFERENCE_MS = Date.UTC(2026, 7, 22, 0, 0, 0);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** CPA's auth_index: the first 8 bytes of sha256(seed), as 16 hex characters. */
export function authIndexOf(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

/** sha256 hex of a string (used for access_token_sha256). */
function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function uuid(rng: Prng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Exact per-family counts for `n` accounts (largest remainder; every family present when n >= 4). */
export function familyCounts(n: number): number[] {
  const raw = FAMILY_SHARES.map((s) => s * n);
  const counts = raw.map((x) => Math.floor(x));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  if (n >= FAMILIES.length) {
    // Take from the biggest family for any family that rounded to zero.
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) {
        counts[i] = 1;
        counts[0] = (counts[0] ?? 0) - 1;
      }
    }
  }
  return counts;
}

interface Ctx {
  rng: Prng;
  emails: Set<string>;
}

function uniqueEmail(ctx: Ctx): string {
  const { rng } = ctx;
  for (;;) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const style = rng.int(0, 3);
    const local =
      style === 0
        ? `${first}.${last}`
        : style === 1
          ? `${first}${last}${rng.int(1, 99)}`
          : style === 2
            ? `${first[0]}${last}`
            : `${first}_${rng.int(1970, 2006)}`;
    const email = `${local}@${rng.pick(EMAIL_DOMAINS)}`;
    if (!ctx.emails.has(email)) {
      ctx.emails.add(email);
      return email;
    }
  }
}

function operatorFields(rng: Prng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rng.chance(0.02)) out.disabled = true;
  if (rng.chance(0.1)) out.priority = rng.int(1, 10);
  if (rng.chance(0.05)) out.note = rng.pick(['backup account', 'team pool', 'do not use for batch', 'trial']);
  return out;
}

function codexOauth(ctx: Ctx, index: number): GeneratedAccount {
  const { rng } = ctx;
  const email = uniqueEmail(ctx);
  const plan = rng.pick(CODEX_PLANS);
  const accountId = uuid(rng);
  const userId = `user-${rng.chars(24, ALNUM)}`;
  const start = REFERENCE_MS - rng.int(1, 300) * 86_400_000;
  const accessToken = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${rng.chars(300, B64URL)}.${rng.chars(86, B64URL)}`;
  const idToken = [
    b64urlJson({ alg: 'RS256', kid: rng.hex(8), typ: 'JWT' }),
    b64urlJson({
      aud: ['app_codex_cli'],
      email,
      email_verified: true,
      exp: Math.floor(REFERENCE_MS / 1000) + 3600,
      'https://api.openai.com/auth': {
        chatgpt_account_id: accountId,
        chatgpt_plan_type: plan,
        chatgpt_subscription_active_start: iso(start),
        chatgpt_subscription_active_until: iso(start + 30 * 86_400_000 * rng.int(1, 12)),
        chatgpt_user_id: userId,
        user_id: userId,
      },
      iat: Math.floor(REFERENCE_MS / 1000),
      iss: 'https://auth.openai.com',
      sub: `auth0|${rng.chars(24, ALNUM)}`,
    }),
    rng.chars(86, B64URL),
  ].join('.');
  const name = `codex-${email}-${plan}.json`;
  const seed = `codex:${FAKE_AUTH_DIR}/${name}`;
  const lastRefresh = REFERENCE_MS - rng.int(0, 7 * 24) * 3_600_000;
  return {
    index,
    family: 'codex',
    provider: 'codex',
    authType: 'oauth',
    authIndex: authIndexOf(seed),
    authIndexSeed: seed,
    source: email,
    executorType: rng.chance(0.5) ? 'CodexAutoExecutor' : 'CodexExecutor',
    accessTokenSha256: sha256Hex(accessToken),
    planType: plan,
    baseUrl: '',
    file: {
      name,
      content: {
        type: 'codex',
        id_token: idToken,
        access_token: accessToken,
        refresh_token: `rt_${rng.chars(60, B64URL)}`,
        account_id: accountId,
        last_refresh: iso(lastRefresh),
        email,
        expired: iso(lastRefresh + 10 * 86_400_000),
        ...operatorFields(rng),
      },
    },
  };
}

function claudeOauth(ctx: Ctx, index: number): GeneratedAccount {
  const { rng } = ctx;
  const email = uniqueEmail(ctx);
  const accessToken = `sk-ant-oat01-${rng.chars(86, B64URL)}AA`;
  const name = `claude-${email}.json`;
  const seed = `claude:${FAKE_AUTH_DIR}/${name}`;
  const lastRefresh = REFERENCE_MS - rng.int(0, 48) * 3_600_000;
  const content: Record<string, unknown> = {
    type: 'claude',
    id_token: '',
    access_token: accessToken,
    refresh_token: `sk-ant-ort01-${rng.chars(86, B64URL)}AA`,
    last_refresh: iso(lastRefresh),
    email,
    expired: iso(lastRefresh + 8 * 3_600_000),
  };
  if (rng.chance(0.8)) {
    content.account_uuid = uuid(rng);
    content.organization_uuid = uuid(rng);
    content.organization_name = `${email}'s Organization`;
  }
  Object.assign(content, operatorFields(rng));
  return {
    index,
    family: 'claude',
    provider: 'claude',
    authType: 'oauth',
    authIndex: authIndexOf(seed),
    authIndexSeed: seed,
    source: email,
    executorType: 'ClaudeExecutor',
    accessTokenSha256: sha256Hex(accessToken),
    planType: '',
    baseUrl: '',
    file: { name, content },
  };
}

function antigravityOauth(ctx: Ctx, index: number): GeneratedAccount {
  const { rng } = ctx;
  const email = uniqueEmail(ctx);
  const accessToken = `ya29.a0${rng.chars(200, B64URL)}`;
  const name = `antigravity-${email}.json`;
  const seed = `antigravity:${FAKE_AUTH_DIR}/${name}`;
  const ts = REFERENCE_MS - rng.int(0, 3600) * 1000;
  return {
    index,
    family: 'gemini',
    provider: 'antigravity',
    authType: 'oauth',
    authIndex: authIndexOf(seed),
    authIndexSeed: seed,
    source: email,
    executorType: 'AntigravityExecutor',
    accessTokenSha256: sha256Hex(accessToken),
    planType: '',
    baseUrl: '',
    file: {
      name,
      content: {
        type: 'antigravity',
        access_token: accessToken,
        refresh_token: `1//0${rng.chars(100, B64URL)}`,
        expires_in: 3599,
        timestamp: ts,
        expired: iso(ts + 3_599_000),
        email,
        project_id: `${rng.pick(['fluent', 'vivid', 'stellar', 'quiet', 'rapid'])}-${rng.pick(['vortex', 'harbor', 'summit', 'meadow'])}-${rng.chars(5, LOWER_ALNUM)}`,
        ...operatorFields(rng),
      },
    },
  };
}

function apiKeyAccount(
  index: number,
  family: ProviderFamily,
  provider: string,
  executorType: string,
  seedKind: string,
  baseUrl: string,
  key: string,
): GeneratedAccount {
  const seed = `${seedKind}:${baseUrl}+${key}`;
  return {
    index,
    family,
    provider,
    authType: 'apikey',
    authIndex: authIndexOf(seed),
    authIndexSeed: seed,
    source: key,
    executorType,
    accessTokenSha256: '',
    planType: '',
    baseUrl,
    file: null,
  };
}

function makeAccount(ctx: Ctx, family: ProviderFamily, index: number, familyPos: number): GeneratedAccount {
  const { rng } = ctx;
  switch (family) {
    case 'codex':
      if (rng.chance(0.03)) {
        return apiKeyAccount(
          index,
          family,
          'codex',
          'CodexExecutor',
          'codex-api-key',
          'https://api.openai.com/v1',
          `sk-proj-${rng.chars(48, B64URL)}`,
        );
      }
      return codexOauth(ctx, index);
    case 'claude':
      if (rng.chance(0.1)) {
        return apiKeyAccount(
          index,
          family,
          'claude',
          'ClaudeExecutor',
          'claude-api-key',
          'https://api.anthropic.com',
          `sk-ant-api03-${rng.chars(93, B64URL)}AA`,
        );
      }
      return claudeOauth(ctx, index);
    case 'gemini':
      if (rng.chance(0.3)) {
        return apiKeyAccount(
          index,
          family,
          'gemini',
          'GeminiExecutor',
          'gemini-api-key',
          'https://generativelanguage.googleapis.com',
          `AIzaSy${rng.chars(33, B64URL)}`,
        );
      }
      return antigravityOauth(ctx, index);
    case 'openai-compatible': {
      const entry = COMPAT_ENTRIES[familyPos % COMPAT_ENTRIES.length] ?? COMPAT_ENTRIES[0]!;
      const key = `${entry.keyPrefix}${entry.keyPrefix === 'sk-or-v1-' ? rng.hex(entry.keyLength) : rng.chars(entry.keyLength, LOWER_ALNUM)}`;
      return apiKeyAccount(
        index,
        family,
        entry.name,
        'OpenAICompatExecutor',
        `openai-compatibility:${entry.name}`,
        entry.baseUrl,
        key,
      );
    }
  }
}

/** The whole credential pool (OAuth + API key) for a seed; deterministic and independent of the event count. */
export function buildAccountPool(seed: number | string, accounts: number): GeneratedAccount[] {
  if (!Number.isInteger(accounts) || accounts < 1) {
    throw new RangeError(
      `generator: accounts must be a positive integer (got ${String(accounts)}); pass e.g. accounts: 2000`,
    );
  }
  const rng = new Prng(seedToInt(seed), 'accounts');
  const counts = familyCounts(accounts);
  const labels: ProviderFamily[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) labels.push(FAMILIES[i] as ProviderFamily);
  });
  // Shuffle so an account's index does not reveal its provider.
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = labels[i] as ProviderFamily;
    labels[i] = labels[j] as ProviderFamily;
    labels[j] = t;
  }
  const ctx: Ctx = { rng, emails: new Set() };
  const seen = new Map<ProviderFamily, number>();
  return labels.map((family, index) => {
    const pos = seen.get(family) ?? 0;
    seen.set(family, pos + 1);
    return makeAccount(ctx, family, index, pos);
  });
}

/**
 * The auth files of the pool (OAuth accounts only: API-key credentials live in CPA's config, not in
 * auth-dir). Their auth_index (sha256 of `<type>:<FAKE_AUTH_DIR>/<name>`) matches the records'.
 */
export function generateAccounts(options: GenerateAccountsOptions): FakeAuthFile[] {
  const out: FakeAuthFile[] = [];
  for (const account of buildAccountPool(options.seed, options.accounts)) {
    if (account.file) out.push(account.file);
  }
  return out;
}

/** The whole pool, OAuth and API-key credentials, with the data records are built from. */
export function generateAccountPool(options: GenerateAccountsOptions): GeneratedAccount[] {
  return buildAccountPool(options.seed, options.accounts);
}

/** CPA config provider lists for the pool's API-key credentials (the `PUT /v0/management/<list>` bodies). */
export interface ProviderConfigLists {
  'codex-api-key': { 'api-key': string; 'base-url': string }[];
  'claude-api-key': { 'api-key': string; 'base-url': string }[];
  'gemini-api-key': { 'api-key': string; 'base-url': string }[];
  'openai-compatibility': { name: string; 'base-url': string; 'api-key-entries': { 'api-key': string }[] }[];
}

/**
 * The config entries behind the pool's API-key credentials: loaded into a (fake) CPA, their derived
 * auth-index values equal the records' auth_index.
 */
export function generateProviderConfig(options: GenerateAccountsOptions): ProviderConfigLists {
  const out: ProviderConfigLists = {
    'codex-api-key': [],
    'claude-api-key': [],
    'gemini-api-key': [],
    'openai-compatibility': [],
  };
  const compat = new Map<
    string,
    { name: string; 'base-url': string; 'api-key-entries': { 'api-key': string }[] }
  >();
  for (const a of buildAccountPool(options.seed, options.accounts)) {
    if (a.authType !== 'apikey') continue;
    const entry = { 'api-key': a.source, 'base-url': a.baseUrl };
    if (a.family === 'codex') out['codex-api-key'].push(entry);
    else if (a.family === 'claude') out['claude-api-key'].push(entry);
    else if (a.family === 'gemini') out['gemini-api-key'].push(entry);
    else {
      let c = compat.get(a.provider);
      if (!c) {
        c = { name: a.provider, 'base-url': a.baseUrl, 'api-key-entries': [] };
        compat.set(a.provider, c);
        out['openai-compatibility'].push(c);
      }
      c['api-key-entries'].push({ 'api-key': a.source });
    }
  }
  return out;
}
