import { readFile } from 'node:fs/promises';
import { generateAccountPool, generateAccounts, generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MESSAGES } from '../src/lib/i18n';
import { ROUTES } from '../src/lib/state/routes';
import { shownRoute } from '../src/lib/state/nav-groups';
import { pageTitle } from '../src/lib/state/page-titles';
import { fmtMs } from '../src/lib/monitor/monitor-format';
import { buildPanel, type BuiltPanel } from './build-panel';
import {
  adminLogin,
  ARTIFACTS,
  submitAdminKey,
  closeInOrder,
  collectErrors,
  ensureArtifacts,
  failedLoad,
  launchChromium,
  navTo,
  openPage,
  openSeededStore,
  startPanelServer,
  themeShots,
  type SeededStore,
} from './walk-harness';

// Issue #19 in Chromium against a real cpamp server (real SQLite, fake CPA): the dashboard's usage from the
// dashboard view, kept live over SSE; the menu in groups with headings equal to labels, old hash links and
// the scroll position per history entry.
const ADMIN_KEY = 'test-admin-key-ux-0123456789abcdef';
const fmt = (n: number) => new Intl.NumberFormat('en').format(n);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

describe('panel-ux in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const body = init.body === undefined ? {} : { body: JSON.stringify(init.body) };
    const res = await fetch(`${url}/v0/management${path}`, { method: init.method ?? 'GET', headers: { ...auth, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) }, ...body });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as T;
  };

  /** The wizard's frame has one Theme toggle (light → dark → …): a screenshot in each. */
  async function frameShots(name: string) {
    await page.screenshot({ path: `${ARTIFACTS}${name}-light.png`, fullPage: true });
    await page.getByRole('button', { name: 'Theme' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await page.screenshot({ path: `${ARTIFACTS}${name}-dark.png`, fullPage: true });
    await page.getByRole('button', { name: 'Theme' }).click();
  }

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    fake = await startFakeCpa({ authFiles: generateAccounts({ seed: 19, accounts: 12 }) });
    seeded = await openSeededStore('ux', { seed: 19, events: 500, days: 2, end: Date.now(), keys: 4, accounts: 12, models: 5, failureRate: 0.1 });
    // The real collector reads the fake CPA's usage queue: new requests reach the page over the live stream.
    ({ app, url } = await startPanelServer({ seeded, panelDir: built.dir, adminKey: ADMIN_KEY, fake, deps: { retentionSchedule: false } }));
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    page = await openPage(browser, { height: 860 });
    // The wizard's deliberate failed save answers 4xx, which Chromium logs as a failed resource.
    collectErrors(page, problems, { ignore: (m) => failedLoad(m, /\/setup(\/check)?$/) });
  });

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake, built);
  });

  it('dashboard: usage of today from one request, labelled tops in order, pool counts from the server, live over SSE', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    type Dash = { today: { requests: number }; rpm: number; topModels: { name: string }[]; topAccounts: unknown[] };
    const dash = () => api<Dash>(`/analytics/dashboard?tz=${encodeURIComponent(tz)}`);
    const d = await dash();
    await poll(() => page.getByTestId('dash-requests').textContent()).toBe(fmt(d.today.requests));
    await poll(() => page.getByTestId('dash-top-models').locator('tbody tr').count()).toBe(d.topModels.length);
    expect(await page.getByTestId('dash-top-models').locator('tbody tr').first().locator('td').first().textContent()).toBe(d.topModels[0]!.name);
    // Every number has a column header, and the busiest accounts are in the order of their request counts.
    const heads = await page.getByTestId('dash-top-accounts').locator('thead th').allTextContents();
    expect(heads).toEqual(['Account', 'Requests', 'Failures']);
    const counts = (await page.getByTestId('dash-top-accounts').locator('tbody tr td:nth-child(2)').allTextContents()).map((s) => Number(s.replace(/,/g, '')));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // Account states are the pool's own summary, not recounted in the page.
    const overview = await api<{ counts: Record<string, number> }>('/pool/overview');
    const shown = await page.getByTestId('dash-account-status').locator('li .num').allTextContents();
    const expected = Object.entries(overview.counts).filter(([k, n]) => k !== 'total' && n > 0).map(([, n]) => n);
    expect(shown.map((s) => Number(s.replace(/,/g, ''))).sort()).toEqual(expected.sort());
    await themeShots(page, 'ux-dashboard');

    // Live: three new requests arrive over the stream and the numbers move without a reload.
    await poll(() => page.getByTestId('dash-live').textContent()).toContain('Live');
    await poll(() => fake.subscriberCount('usage') + fake.stats().popped).toBeGreaterThan(0);
    const before = (await dash()).today.requests;
    for (const r of generateUsage({ seed: 91, events: 3, days: 0.0001, end: Date.now(), failureRate: 0 })) fake.enqueueUsage(r);
    await poll(async () => (await dash()).today.requests).toBe(before + 3);
    await poll(() => page.getByTestId('dash-requests').textContent()).toBe(fmt(before + 3));
    expect(Number((await page.getByTestId('dash-rpm').textContent())!.replace(/,/g, ''))).toBeGreaterThanOrEqual(3);

    // 375 px: nothing wider than the screen, the tables keep their number columns.
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.getByTestId('dash-top-models').locator('thead th').last().isVisible()).toBe(true);
    await themeShots(page, 'ux-dashboard-375');
  });

  it('menu: at most eight groups, every heading equals its menu label, old hash links open their page', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.locator('ul.groups > li').count()).toBeLessThanOrEqual(8);
    for (const route of ROUTES) {
      await page.goto(`${url}/management.html#/${route === 'dashboard' ? '' : route}`);
      // Pool, Auth files and Quota open the Accounts page with a cpamp server (issue #17).
      const label = pageTitle(MESSAGES.en, shownRoute(route, true));
      await page.locator('#sidenav a[aria-current="page"]', { hasText: label }).waitFor();
      expect(await page.locator('main h1').first().textContent(), route).toBe(label);
      expect(await page.title()).toBe(`${label} · cpamp`);
    }
    await page.goto(`${url}/management.html#/requests`);
    await page.getByTestId('subnav').waitFor();
    await themeShots(page, 'ux-menu-usage');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.screenshot({ path: `${ARTIFACTS}ux-menu-375-light.png` });
  });

  it('a new page opens at the top; Back returns to where the page was left', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'Monitoring');
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    await page.getByTestId('breakdown').waitFor();
    await poll(() => page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight + 400)).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 400));
    await poll(() => page.evaluate(() => window.scrollY)).toBe(400);
    // The sticky menu's link (a click on it does not scroll the page first).
    await page.locator('#sidenav').getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    await poll(() => page.evaluate(() => window.scrollY)).toBe(400);
  });

  it('setup wizard on a working install: prefilled with the live connection, no "Save anyway", no green rows for an unreachable URL', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'Monitoring');
    await page.getByRole('button', { name: 'CPA connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connect cpamp to CPA' }).waitFor();
    await poll(() => page.locator('input[name="cpa-url"]').inputValue()).toBe(fake.url);
    await page.getByTestId('setup-prefilled').waitFor();
    await page.locator('input[name="cpa-url"]').fill('http://127.0.0.1:9');
    await page.locator('input[name="management-key"]').fill('some-key');
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.getByTestId('setup-findings').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('setup-findings').locator('li[data-level="ok"]').count()).toBe(0);
    await page.getByTestId('setup-working').waitFor();
    expect(await page.locator('input[name="confirm-save"]').count()).toBe(0);
    expect(await page.getByTestId('setup-save').isDisabled()).toBe(true);
    expect(await page.getByTestId('setup-save').textContent()).not.toContain('anyway');
    await frameShots('ux-setup-working');
  });

  it('setup wizard on a new install: "Save anyway" only after confirming, and the whole error text', async () => {
    const fresh = await openSeededStore('ux-first', { seed: 5, events: 10, days: 1, end: Date.now() });
    const first = await startPanelServer({ seeded: fresh, panelDir: built.dir, adminKey: ADMIN_KEY, deps: { retentionSchedule: false, collector: false } });
    try {
      await page.goto(`${first.url}/management.html`);
      await submitAdminKey(page, ADMIN_KEY);
      await page.getByRole('heading', { level: 1, name: 'Connect cpamp to CPA' }).waitFor();
      const body = { cpaBaseUrl: 'http://127.0.0.1:9', managementKey: 'some-key', collectorMode: 'auto' };
      await page.locator('input[name="cpa-url"]').fill(body.cpaBaseUrl);
      await page.locator('input[name="management-key"]').fill(body.managementKey);
      await page.getByRole('button', { name: 'Check connection' }).click();
      await page.getByTestId('setup-findings').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('setup-findings').locator('li[data-level="ok"]').count()).toBe(0);
      // The unreachable row quotes CPA's whole message, not one cut mid-word.
      expect(await page.getByTestId('setup-findings').textContent()).toContain('(scheme, host, port, path prefix)');
      const save = page.getByTestId('setup-save');
      expect(await save.isDisabled()).toBe(true);
      await page.locator('input[name="confirm-save"]').check();
      expect(await save.textContent()).toContain('Save anyway');
      await save.click();
      const res = await fetch(`${first.url}/setup`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.ok).toBe(false);
      const { error: message } = (await res.json()) as { error: string };
      expect(message.length).toBeGreaterThan(20);
      await poll(() => page.getByTestId('setup-error').textContent()).toContain(message);
      await frameShots('ux-setup-failed');
      // Editing an input takes the confirmation back.
      await page.locator('input[name="management-key"]').fill('other-key');
      expect(await page.locator('input[name="confirm-save"]').count()).toBe(0);
    } finally {
      await closeInOrder(first.app, fresh);
    }
  });

  it('monitoring: Δ on every KPI, searchable filters by keyboard, tab/sort/page/auto-refresh in the URL, export of the rows shown', async () => {
    await page.context().close();
    page = await openPage(browser, { height: 860, acceptDownloads: true });
    collectErrors(page, problems);
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'Monitoring');
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await page.getByTestId('breakdown').waitFor();
    // The entity × model matrix: top keys by the top models, with a total per row.
    await poll(() => page.getByTestId('matrix').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('matrix').locator('thead th').count()).toBeGreaterThan(2);
    // One request answers it, with a total per column and the grand total in the footer.
    expect(await page.getByTestId('matrix').locator('tfoot td').count()).toBe(await page.getByTestId('matrix').locator('thead th').count() - 1);
    // Time to first token: p50 / p95 over all models from the TTFT histogram, and two columns per model.
    type Pcts = { rows: { name: string; count: number; percentiles: (number | null)[] }[] };
    const ttftAll = await api<Pcts>('/analytics/latency-percentiles?range=7d&metric=ttft&by=none');
    expect(ttftAll.rows[0]!.count).toBeGreaterThan(0);
    await poll(() => page.getByTestId('kpi-ttft-p50').textContent()).toBe(fmtMs(ttftAll.rows[0]!.percentiles[0], 'en'));
    expect(await page.getByTestId('kpi-ttft-p95').textContent()).toBe(fmtMs(ttftAll.rows[0]!.percentiles[1], 'en'));
    expect(await page.getByTestId('latency').locator('thead th').allTextContents()).toEqual(expect.arrayContaining(['TTFT p50', 'TTFT p95']));
    const ttftModels = await api<Pcts>('/analytics/latency-percentiles?range=7d&metric=ttft');
    const firstLat = page.getByTestId('latency').locator('tbody tr').first();
    const firstName = ((await firstLat.locator('td').first().textContent()) ?? '').trim();
    const want = ttftModels.rows.find((r) => r.name === firstName)?.percentiles ?? [null, null];
    expect(await firstLat.locator('td:nth-child(5)').textContent()).toBe(fmtMs(want[0], 'en'));
    // Every KPI card carries its change against the previous period.
    const cards = page.locator('.kpis section');
    await poll(() => page.locator('.kpis .delta').count()).toBe(await cards.count());
    expect(await page.getByTestId('delta-requests').textContent()).toMatch(/vs previous period|nothing in the previous period/);

    // Combobox: type part of a key's name, arrow down, Enter.
    type Opts = { keys: { hash: string; label: string; alias: string | null }[]; models: { name: string }[] };
    const opts = await api<Opts>('/analytics/filter-options?range=7d');
    const model = opts.models[1]!.name;
    const input = page.locator('input[name="filter-model"]');
    await input.click();
    await input.fill(model.slice(0, Math.max(3, model.length - 2)));
    await page.getByRole('listbox').waitFor();
    expect(await page.getByRole('listbox').getByRole('option').nth(1).textContent()).toContain(model.slice(0, 3));
    await page.getByRole('listbox').getByRole('option', { name: new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`) }).first().click();
    await poll(() => page.evaluate(() => location.hash)).toContain(`model=${encodeURIComponent(model)}`);
    // Keyboard only: clear the text, Enter picks "Any"; then type, ↓ and Enter pick the second match.
    await input.click();
    await input.fill('');
    await input.press('Enter');
    await poll(() => page.evaluate(() => location.hash)).not.toContain('model=');
    await input.click();
    const names = opts.models.map((o) => o.name);
    const prefix = names.map((n) => n.slice(0, 3)).find((p) => names.filter((n) => n.startsWith(p)).length >= 2) ?? names[0]!.slice(0, 3);
    await input.pressSequentially(prefix);
    await input.press('ArrowDown');
    const second = (await page.locator('[role="listbox"] li.active span').first().textContent())!.trim();
    expect(second.startsWith(prefix)).toBe(true);
    await input.press('Enter');
    await poll(() => page.evaluate(() => location.hash)).toContain(`model=${encodeURIComponent(second)}`);
    await page.getByRole('button', { name: 'Clear' }).click();
    await poll(() => page.evaluate(() => location.hash)).not.toContain('model=');

    // Tab, sort, page and auto-refresh go into the URL and survive a reload.
    await page.getByRole('tab', { name: 'Accounts' }).click();
    await page.getByTestId('breakdown').getByRole('button', { name: /^Tokens/ }).click();
    await page.locator('select[name="auto-refresh"]').selectOption('60');
    await poll(() => page.evaluate(() => location.hash)).toMatch(/tab=account/);
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/sort=tokens/);
    expect(hash).toMatch(/auto=60/);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    await page.getByTestId('breakdown').waitFor();
    expect(await page.getByRole('tab', { name: 'Accounts' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('select[name="auto-refresh"]').inputValue()).toBe('60');

    // Export: exactly the rows on screen, in their order.
    const shown = await page.getByTestId('breakdown').locator('tbody tr td:first-child').allTextContents();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('account,label,requests,failures,tokens,cost_usd,last_seen');
    expect(lines.length - 1).toBe(shown.length);
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
    const jsonl = (await readFile((await dl2.path())!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { label: string; account: string });
    expect(jsonl.map((r) => r.label || r.account)).toEqual(shown.map((s) => s.trim()));
    // Full-page shots from the top (a scrolled page would paint the sticky header mid-page).
    await page.evaluate(() => window.scrollTo(0, 0));
    await themeShots(page, 'ux-monitoring');
    await page.setViewportSize({ width: 375, height: 812 });
    // Polled: on a loaded box the wide layout's charts and tables may not have re-laid out yet (seen: 498 px once).
    await poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.evaluate(() => window.scrollTo(0, 0));
    await themeShots(page, 'ux-monitoring-375');
  });

  it('saved views: the current range, filters and tab saved on the server under a name, opened again from the list', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await page.goto(`${url}/management.html#/monitoring?range=7d&tab=key&sort=cost`);
    await page.getByTestId('breakdown').waitFor();
    const views = page.getByTestId('saved-views');
    await views.getByRole('button', { name: 'Save view' }).click();
    await views.locator('input[name="view-name"]').fill('Keys by cost, 7 days');
    await views.getByRole('button', { name: 'Save view' }).click();
    await page.getByText('View saved.').waitFor();
    const saved = await api<{ views: { name: string; state: Record<string, string> }[] }>('/analytics/views');
    expect(saved.views).toEqual([expect.objectContaining({ name: 'Keys by cost, 7 days', state: { range: '7d', tab: 'key', sort: 'cost' } })]);
    await page.goto(`${url}/management.html#/monitoring`);
    await poll(() => page.evaluate(() => location.hash)).toBe('#/monitoring');
    await page.locator('select[name="saved-view"] option', { hasText: 'Keys by cost, 7 days' }).waitFor({ state: 'attached' });
    await page.locator('select[name="saved-view"]').selectOption({ label: 'Keys by cost, 7 days' });
    await poll(() => page.evaluate(() => location.hash)).toContain('range=7d');
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain('tab=key');
    expect(hash).toContain('sort=cost');
    expect(await page.getByRole('tab', { name: 'API keys' }).getAttribute('aria-selected')).toBe('true');
  });

  it('walkthrough: everyday tasks in at most three clicks from the obvious page', async () => {
    await page.context().close();
    page = await openPage(browser, { height: 860, acceptDownloads: true });
    collectErrors(page, problems);
    await adminLogin(page, url, ADMIN_KEY);
    let clicks = 0;
    const click = async (l: { click(): Promise<void> }) => {
      clicks++;
      await l.click();
    };
    const fresh = async (hash: string, heading: string) => {
      await page.goto(`${url}/management.html#/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      clicks = 0;
    };

    // 1. The top-spending key of the last 7 days (from Monitoring): 7 days, API keys, sort by cost.
    await fresh('monitoring', 'Monitoring');
    await click(page.getByRole('button', { name: 'Last 7 days' }));
    await click(page.getByRole('tab', { name: 'API keys' }));
    await page.getByTestId('breakdown').waitFor();
    await click(page.getByTestId('breakdown').getByRole('button', { name: /^Cost/ }));
    await poll(() => page.evaluate(() => location.hash)).toContain('sort=cost');
    const top = await api<{ rows: { label: string; name: string }[] }>('/analytics/breakdown/key?range=7d&sort=cost&limit=1');
    await poll(async () => (await page.getByTestId('breakdown').locator('tbody tr').first().locator('td').first().textContent())?.trim()).toBe(top.rows[0]!.label || top.rows[0]!.name);
    expect(clicks).toBeLessThanOrEqual(3);

    // 2. The failure rate of one model: a click on its name filters every card; the success rate KPI answers.
    await fresh('monitoring?range=7d', 'Monitoring');
    await page.getByTestId('breakdown').waitFor();
    const model = ((await page.getByTestId('breakdown').locator('tbody tr').first().locator('td').first().textContent()) ?? '').trim();
    await click(page.getByTestId('breakdown').getByRole('button', { name: model, exact: true }));
    await poll(() => page.evaluate(() => location.hash)).toContain(`model=${encodeURIComponent(model)}`);
    const sum = await api<{ successRate: number | null }>(`/analytics/summary?range=7d&model=${encodeURIComponent(model)}`);
    const pct = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 }).format(sum.successRate ?? 0);
    await poll(() => page.getByTestId('kpi-success').textContent()).toBe(pct);
    expect(clicks).toBeLessThanOrEqual(3);

    // 3. Adding a price (from Model prices): the unpriced model's Add button, two rates, Save.
    await fresh('prices', 'Model prices');
    const row = page.locator('[data-testid="prices-table"] tr.missing').first();
    await row.waitFor();
    const priced = (await row.getAttribute('data-model'))!;
    await click(row.getByRole('button', { name: `Add price ${priced}` }));
    await page.locator('input[name="price-input"]').fill('2');
    await page.locator('input[name="price-output"]').fill('8');
    await click(page.getByRole('button', { name: 'Save', exact: true }));
    await poll(async () => (await api<{ prices: Record<string, { input: number }> }>('/model-prices')).prices[priced]?.input).toBe(2);
    expect(clicks).toBeLessThanOrEqual(3);

    // 4. Finding and fixing an exhausted account (from the Dashboard): its state in the account legend opens
    // the Accounts page filtered to that state, the row opens the drawer, one action takes it out of
    // rotation (or, when cpamp already holds it in cooldown, puts it back).
    const target = generateAccountPool({ seed: 19, accounts: 12 }).find((x) => x.provider === 'codex' && x.file && x.file.content.disabled !== true)!;
    fake.accounts.exhaust(target.authIndex, { resetInSeconds: 3600 });
    const { run } = await api<{ run: { id: number } }>('/pool/inspections', { method: 'POST', body: { authIndexes: [target.authIndex] } });
    await poll(async () => (await api<{ run: { state: string } }>(`/pool/inspections/${run.id}?limit=1`)).run.state).not.toBe('running');
    type Acc = { account: { status: string; disabledBy: string | null } };
    const state = (await api<Acc>(`/pool/accounts/${target.authIndex}`)).account.status;
    expect(['exhausted', 'cooldown']).toContain(state);
    await fresh('', 'Dashboard');
    page.on('dialog', (d) => void d.accept());
    const legendRow = page.getByTestId('dash-account-status').locator(`li[data-status="${state}"] a`);
    await poll(() => legendRow.count()).toBe(1);
    await click(legendRow);
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    expect(await page.locator('select[name="pool-status"]').inputValue()).toBe(state);
    const accRow = page.locator(`[data-auth-index="${target.authIndex}"]`);
    await click(accRow);
    const drawer = page.getByTestId('account-drawer');
    const fix = drawer.getByRole('button', { name: state === 'cooldown' ? 'Re-enable now' : 'Disable', exact: true });
    await fix.waitFor();
    await click(fix);
    const fileOf = () => fake.authFiles().find((f) => f.name === target.file!.name)?.content.disabled === true;
    if (state === 'cooldown') await poll(async () => (await api<Acc>(`/pool/accounts/${target.authIndex}`)).account.disabledBy).toBe(null);
    else await poll(fileOf).toBe(true);
    await poll(async () => (await api<Acc>(`/pool/accounts/${target.authIndex}`)).account.status).not.toBe(state);
    expect(clicks).toBeLessThanOrEqual(3);
    await drawer.getByRole('button', { name: 'Close' }).click();

    // 5. Setting up a webhook alert (from Alerts): the "Webhook alert" action, the URL, Save: one channel and
    // the usual rules sending to it.
    await fresh('alerts', 'Alerts');
    const hook = 'https://hooks.example.test/cpamp-walkthrough';
    await click(page.getByTestId('webhook-alert-open'));
    await page.locator('input[name="webhook-url"]').fill(hook);
    await click(page.getByRole('button', { name: 'Save', exact: true }));
    type Channels = { items: { id: number; type: string; config: { url?: string } }[] };
    await poll(async () => (await api<Channels>('/alerts/channels')).items.filter((c) => c.config.url === hook).length).toBe(1);
    const channel = (await api<Channels>('/alerts/channels')).items.find((c) => c.config.url === hook)!;
    expect(channel.type).toBe('webhook');
    // The form makes the channel, then its rules one by one: wait for all of them.
    const ruleKinds = async () =>
      (await api<{ items: { kind: string; channelIds: number[] }[] }>('/alerts/rules')).items
        .filter((r) => r.channelIds.includes(channel.id))
        .map((r) => r.kind)
        .sort();
    await poll(ruleKinds).toEqual(['account-auth-issue', 'collector-stalled', 'error-rate-spike', 'quota-low']);
    await page.getByTestId('rules').getByText('Error-rate spike').first().waitFor();
    expect(clicks).toBeLessThanOrEqual(3);

    // 6. Exporting CSV (from Monitoring): one click on the breakdown's CSV button.
    await fresh('monitoring', 'Monitoring');
    await page.getByTestId('export-csv').waitFor();
    clicks++;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^breakdown-model-24h\.csv$/);
    expect(clicks).toBeLessThanOrEqual(3);
  });
});
