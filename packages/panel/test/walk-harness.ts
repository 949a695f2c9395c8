import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { buildApp, defineConfig } from '@cpamp/server';
import { openStore, type OpenStoreOptions, type Store } from '@cpamp/store';
import {
  emitUsage,
  generateAccountPool,
  generateUsage,
  MODEL_CATALOG,
  startFakeCpa,
  type FakeCpa,
  type GeneratedAccount,
  type GenerateUsageOptions,
} from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page, type Request } from 'playwright-core';
import { MESSAGES, type LocaleId } from '../src/lib/i18n';

// What `cpamp demo` starts, composed in-process (runDemo is not exported from @cpamp/server): the fake CPA
// holding the demo account pool's auth files with quota states, a Manager Server on a temp data dir wired to
// it (setup done through the env-managed connection), prices synced through the sync route, a week of
// history through the real collector, and the pool policy, a first inspection and a quota-low alert rule.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const DEMO_SEED = 'cpamp-demo';
const DEMO_ACCOUNTS = 60;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// ---- Set-up shared by the per-area browser tests (monitor, admin, pool, manager) ----

/** Where the browser tests put their screenshots (`<page>-<theme>.png`); created on first use. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/panel/', import.meta.url));

export async function ensureArtifacts(): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/** A real SQLite store in a fresh temp data dir, holding the generated history (normalized by the real collector code). */
export interface SeededStore {
  dir: string;
  store: Store;
  events: UsageEvent[];
  /** Closes the store and removes the data dir (close the server first). */
  close(): Promise<void>;
}

export async function openSeededStore(
  prefix: string,
  usage: GenerateUsageOptions,
  options: Omit<OpenStoreOptions, 'path'> = {},
): Promise<SeededStore> {
  const dir = await mkdtemp(join(tmpdir(), `cpamp-panel-${prefix}-`));
  const store = await openStore({ ...options, path: join(dir, 'usage.sqlite') });
  const events: UsageEvent[] = [];
  for (const raw of generateUsage(usage)) {
    const r = normalizeRecord(raw);
    if (r.ok) events.push(r.event);
  }
  await store.insertBatch(events);
  return {
    dir,
    store,
    events,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Listens on 127.0.0.1, port 0; returns the base URL. */
export async function listenLocal(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

type PanelConfig = ReturnType<typeof defineConfig>;
type PanelAppDeps = NonNullable<Parameters<typeof buildApp>[1]>;

/**
 * A Manager Server (buildApp) on the seeded store's data dir, serving the built panel, listening on 127.0.0.1:0.
 * With `fake` it is wired to that CPA; `config` adds settings, `configure` derives from the defaults, `deps` adds app deps.
 */
export async function startPanelServer(o: {
  seeded: SeededStore;
  panelDir: string;
  adminKey: string;
  fake?: FakeCpa;
  config?: Partial<PanelConfig>;
  configure?: (base: PanelConfig) => PanelConfig;
  deps?: PanelAppDeps;
}): Promise<{ app: FastifyInstance; url: string }> {
  const base = defineConfig({
    dataDir: o.seeded.dir,
    adminKey: o.adminKey,
    ...(o.fake ? { cpaUpstreamUrl: o.fake.url, cpaManagementKey: o.fake.managementKey } : {}),
    panelPath: join(o.panelDir, 'management.html'),
    logLevel: 'error',
    // The tests' webhook receiver and fake Telegram listen on this host.
    allowLocalTargets: true,
    ...o.config,
  });
  const app = await buildApp(o.configure ? o.configure(base) : base, { store: o.seeded.store, logStream: { write: () => undefined }, ...o.deps });
  return { app, url: await listenLocal(app) };
}

/** Closes (or cleans up) each of `items` in turn, skipping those never created. */
export async function closeInOrder(...items: Array<{ close(): unknown } | { cleanup(): unknown } | undefined>): Promise<void> {
  for (const item of items) {
    if (!item) continue;
    await ('close' in item ? item.close() : item.cleanup());
  }
}

/** A light, en-US page in a new context of `browser`. */
export async function openPage(browser: Browser, o: { height?: number; timeoutMs?: number; acceptDownloads?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: o.height ?? 900 },
    locale: 'en-US',
    colorScheme: 'light',
    ...(o.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(o.timeoutMs ?? 10_000);
  return page;
}

/** Pushes console errors (except those `ignore` accepts) and page errors into `problems`. */
export function collectErrors(
  page: Page,
  problems: string[],
  o: { ignore?: (m: ConsoleMessage) => boolean; withLocation?: boolean } = {},
): void {
  page.on('console', (m) => {
    if (m.type() !== 'error' || o.ignore?.(m)) return;
    problems.push(o.withLocation ? `${m.text()} @ ${m.location().url}` : m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}

/** Chromium's "Failed to load resource" console error for a URL matching `url`. */
export function failedLoad(m: ConsoleMessage, url: RegExp): boolean {
  return /Failed to load resource/.test(m.text()) && url.test(m.location().url);
}

/** Types `key` into the admin-key form and presses Connect. */
export async function submitAdminKey(page: Page, key: string): Promise<void> {
  await page.locator('input[name="admin-key"]').fill(key);
  await page.getByRole('button', { name: 'Connect' }).click();
}

/** Opens the panel a Manager Server serves and logs in with the admin key, up to the Dashboard. */
export async function adminLogin(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/management.html`);
  await submitAdminKey(page, key);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/**
 * A link of the main menu by its label. The menu shows groups (issue #19): collapsed groups are opened
 * first (a group button only opens, it does not navigate), so any page's link can be found by name.
 */
export async function navLink(page: Page, name: string): Promise<Locator> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const link = nav.getByRole('link', { name, exact: true });
  if ((await link.count()) === 0) {
    const closed = nav.locator('button[aria-expanded="false"]');
    for (let n = await closed.count(); n > 0; n--) await closed.first().click();
  }
  return link;
}

/** Picks `value` in a filter combobox (issue #19): types it, then chooses the matching option. */
export async function pickFilter(page: Page, name: string, value: string): Promise<void> {
  const input = page.locator(`input[name="${name}"]`);
  await input.click();
  await input.fill(value);
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.getByRole('listbox').getByRole('option', { name: new RegExp(`^${escaped}(\\s|$)`) }).first().click();
}

export async function navTo(page: Page, name: string): Promise<void> {
  await (await navLink(page, name)).click();
}

/**
 * Screenshots of the page in the light and dark theme (`<name>-light.png`, `<name>-dark.png`), then back to light.
 * `inBanner`: the theme buttons are looked up in the header (else the first match on the page).
 */
export async function themeShots(page: Page, name: string, o: { inBanner?: boolean; clearToasts?: boolean } = {}): Promise<void> {
  // Toasts fade on their own; click them away so they do not cover the page in the screenshot.
  if (o.clearToasts) while ((await page.locator('button.toast').count()) > 0) await page.locator('button.toast').first().click();
  const button = (theme: string) =>
    o.inBanner ? page.getByRole('banner').getByRole('button', { name: theme, exact: true }) : page.getByRole('button', { name: theme, exact: true }).first();
  for (const theme of ['Light', 'Dark'] as const) {
    await button(theme).click();
    await themeApplied(page, theme === 'Light' ? 'light' : 'dark');
    await page.screenshot({ path: `${ARTIFACTS}${name}-${theme.toLowerCase()}.png`, fullPage: true });
  }
  await button('Light').click();
}

/** Resolves once <html data-theme> is `theme` (the panel sets it on click; the next screenshot paints it). */
export async function themeApplied(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
}

export interface DemoCpa {
  fake: FakeCpa;
  accounts: GeneratedAccount[];
}

/** The demo's fake CPA: the generated pool's auth files; Codex/Claude quotas at varied levels, one exhausted, expired, banned. */
export async function startDemoCpa(): Promise<DemoCpa> {
  const accounts = generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS });
  const fake = await startFakeCpa({ usageStatisticsEnabled: true, retentionSeconds: 60, authFiles: accounts.flatMap((a) => (a.file ? [a.file] : [])) });
  const quota = accounts.filter((a) => a.authType === 'oauth' && a.file && (a.provider === 'codex' || a.provider === 'claude'));
  const codex = quota.filter((a) => a.provider === 'codex');
  quota.forEach((a, i) => {
    fake.accounts.setQuota(a.authIndex, {
      primary: { usedPercent: (i * 23) % 90, resetInSeconds: 3_600 + i * 300 },
      secondary: { usedPercent: 10 + ((i * 7) % 60), resetInSeconds: 4 * 86_400 },
      ...(a.planType ? { plan: a.planType } : {}),
    });
  });
  // Special states on Codex (a full Claude window reads as a probe error, not exhaustion).
  const [exhausted, expired, banned] = codex.slice(-3);
  if (exhausted) fake.accounts.exhaust(exhausted.authIndex, { resetInSeconds: 900 });
  if (expired) fake.accounts.expire(expired.authIndex);
  if (banned) fake.accounts.ban(banned.authIndex);
  return { fake, accounts };
}

export interface DemoServer {
  url: string;
  adminKey: string;
  app: FastifyInstance;
  /** Events the collector stored from the generated history. */
  events: number;
  close(): Promise<void>;
}

/** Price file in LiteLLM's shape for every model the generator emits (plausible, not authoritative, rates). */
function priceFile(): Record<string, Record<string, number | string>> {
  const out: Record<string, Record<string, number | string>> = {};
  MODEL_CATALOG.forEach((m, i) => {
    const input = (0.5 + (i % 5)) / 1e6;
    out[m.id] = { mode: 'chat', input_cost_per_token: input, output_cost_per_token: input * 8, cache_read_input_token_cost: input / 10 };
  });
  return out;
}

export async function startDemoServer(
  cpa: DemoCpa,
  o: { panelPath: string; corsOrigins?: string[]; history?: number },
): Promise<DemoServer> {
  const { fake } = cpa;
  const adminKey = 'walk-admin-key-0123456789abcdef0123';
  const dir = await mkdtemp(join(tmpdir(), 'cpamp-panel-walk-'));
  const config = defineConfig({
    dataDir: dir,
    adminKey,
    cpaUpstreamUrl: fake.url,
    cpaManagementKey: fake.managementKey,
    panelPath: o.panelPath,
    corsOrigins: o.corsOrigins ?? [],
    logLevel: 'error',
    allowLocalTargets: true,
  });
  const app = await buildApp(config, { logStream: { write: () => undefined }, retentionSchedule: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const close = async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: object) => {
      const res = await app.inject({ method, url: `/v0/management${path}`, headers: { authorization: `Bearer ${adminKey}` }, ...(body ? { payload: body } : {}) });
      if (res.statusCode >= 300) throw new Error(`demo set-up: ${method} ${path} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      return res.json() as Record<string, { id?: number; state?: string } | number | undefined>;
    };
    await call('POST', '/model-prices/sync', priceFile());
    const history = o.history ?? 2_000;
    const { emitted } = await emitUsage(fake, generateUsage({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS, events: history, days: 7, end: Date.now() }), { ratePerSecond: 5_000 });
    // The collector takes the history from the fake CPA's queue; wait until it is all stored.
    const deadline = Date.now() + 45_000;
    let stored = 0;
    while (Date.now() < deadline) {
      stored = Number((await call('GET', '/storage'))['events'] ?? 0);
      if (stored >= emitted) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (stored < emitted) throw new Error(`demo set-up: the collector stored ${stored} of ${emitted} history events within 45 s`);
    const channel = await call('POST', '/alerts/channels', { name: 'Panel notifications', type: 'sse' });
    const channelId = (channel['channel'] as { id?: number } | undefined)?.id;
    await call('POST', '/alerts/rules', {
      name: 'Account quota below 20 %',
      kind: 'quota-low',
      severity: 'warning',
      params: { remainingPercentBelow: 20 },
      channelIds: channelId === undefined ? [] : [channelId],
      quietMinutes: 30,
    });
    await call('PUT', '/pool/policy', { autoDisableOnExhaustion: true, autoRestoreAtReset: true, authIssueQueue: true, inspectionIntervalMinutes: 5 });
    const run = (await call('POST', '/pool/inspections', {}))['run'] as { id?: number } | undefined;
    for (let i = 0; i < 300 && run?.id !== undefined; i++) {
      const state = ((await call('GET', `/pool/inspections/${run.id}?limit=1`))['run'] as { state?: string } | undefined)?.state;
      if (state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, adminKey, app, events: stored, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What went wrong on a page: console errors, page errors, failed same-origin (or listed-origin) requests. */
export interface PageWatch {
  take(): string[];
  /** Waits until none of our requests is in flight (live streams aside), up to `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
}

export function watchPage(page: Page, origins: readonly string[], expected: readonly RegExp[]): PageWatch {
  let problems: string[] = [];
  const ours = (u: string) => origins.some((o) => u.startsWith(o));
  const allowed = (u: string) => expected.some((re) => re.test(u));
  const inFlight = new Set<Request>();
  page.on('request', (r) => {
    if (ours(r.url()) && !r.url().includes('/events/stream')) inFlight.add(r);
  });
  page.on('requestfinished', (r) => inFlight.delete(r));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url;
    // Chromium logs every 4xx/5xx load as "Failed to load resource"; the response handler judges those.
    if (/Failed to load resource/.test(m.text()) && (allowed(where) || ours(where))) return;
    problems.push(`console: ${m.text()}${where ? ` @ ${where}` : ''}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && ours(r.url()) && !allowed(r.url())) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    inFlight.delete(r);
    const err = r.failure()?.errorText ?? '';
    // Leaving a page aborts its in-flight fetches and SSE streams: that is not a failure.
    if (err === 'net::ERR_ABORTED' || !ours(r.url()) || allowed(r.url())) return;
    problems.push(`request failed: ${r.method()} ${r.url()} (${err})`);
  });
  return {
    take() {
      const out = problems;
      problems = [];
      return out;
    },
    async settled(timeoutMs = 5_000) {
      await waitFor('requests to settle', async () => (inFlight.size === 0 ? null : `${inFlight.size} in flight`), timeoutMs);
    },
  };
}

/** Polls until `ok` holds; returns null, or what was missing (the last observed value) when time runs out. */
export async function waitFor(what: string, probe: () => Promise<string | null>, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = 'not checked';
  for (;;) {
    try {
      last = await probe();
    } catch (e) {
      last = (e as Error).message.split('\n')[0] ?? 'error';
    }
    if (last === null) return null;
    if (Date.now() > deadline) return `${what}: ${last}`;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A locator with at least `min` matches whose first text matches `pattern`. */
export function has(loc: Locator, o: { min?: number; text?: RegExp } = {}): () => Promise<string | null> {
  return async () => {
    const n = await loc.count();
    if (n < (o.min ?? 1)) return `${n} element(s), want ${o.min ?? 1}`;
    if (o.text) {
      const text = ((await loc.first().textContent({ timeout: 1_000 })) ?? '').trim();
      if (!o.text.test(text)) return `text ${JSON.stringify(text.slice(0, 80))} does not match ${o.text}`;
    }
    return null;
  };
}

/** Text in <main> that betrays a missing message or a broken value. */
export async function placeholderProblems(page: Page): Promise<string | null> {
  const text = await page.locator('main').innerText();
  const m = /undefined|\bNaN\b|\[object Object\]|\{[a-zA-Z]+\}/.exec(text);
  return m ? `placeholder text ${JSON.stringify(text.slice(Math.max(0, m.index - 30), m.index + 40))}` : null;
}

/** Table rows that do not lay out as rows (e.g. a global utility class turning a <tr> into a flex box). */
export async function brokenTableRows(page: Page): Promise<string | null> {
  const bad = await page.locator('main tr').evaluateAll((rows) =>
    rows.flatMap((r) => {
      const d = getComputedStyle(r).display;
      return d === 'table-row' || d === 'none' ? [] : [`<tr class="${r.getAttribute('class') ?? ''}"> has display:${d}`];
    }),
  );
  return bad.length ? `${bad.length} table row(s) not laid out as rows: ${bad[0]}` : null;
}

/** English phrases (plain messages of 12+ characters with a space) that the given locale translates differently. */
function translatedPhrases(locale: LocaleId): string[] {
  const out: string[] = [];
  const walk = (en: unknown, other: unknown) => {
    if (typeof en === 'string') {
      if (en.length >= 12 && en.includes(' ') && en !== other && !/[{}]/.test(en)) out.push(en);
    } else if (en && typeof en === 'object') {
      for (const [k, v] of Object.entries(en)) walk(v, (other as Record<string, unknown> | undefined)?.[k]);
    }
  };
  walk(MESSAGES.en, MESSAGES[locale]);
  return [...new Set(out)];
}

/** English UI text left on a page shown in another language (a message looked up in the wrong locale, or hard-coded). */
export async function englishLeaks(page: Page, locale: LocaleId): Promise<string | null> {
  if (locale === 'en') return null;
  const text = await page.locator('body').innerText();
  const found = translatedPhrases(locale).filter((m) => text.includes(m));
  return found.length ? `English text in ${locale}: ${found.slice(0, 3).map((f) => JSON.stringify(f)).join(', ')}` : null;
}
