import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES } from '../src/lib/i18n';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import {
  ARTIFACTS as ART,
  adminLogin,
  closeInOrder,
  collectErrors,
  ensureArtifacts,
  failedLoad,
  launchChromium,
  navTo,
  pickFilter,
  openPage,
  openSeededStore,
  startPanelServer,
  submitAdminKey,
  themeShots,
  type SeededStore,
} from './walk-harness';

// Manager mode end to end in Chromium: a real cpamp server with no CPA connection yet (first run), a real
// SQLite store with generated history, the fake CPA; the setup wizard connects them, then Monitoring and
// Requests show the server's numbers and live rows that the collector takes from the fake CPA.
const ADMIN_KEY = 'monitor-admin-key-0123456789abcdef';
const HOUR = 3_600_000;

describe('monitoring pages in Chromium (manager mode, first run)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let host: PanelHost;
  let browser: Browser;
  let page: Page;
  let events: UsageEvent[];
  const problems: string[] = [];
  const fmt = (n: number) => new Intl.NumberFormat('en').format(n);
  const kpi = () => page.getByTestId('kpi-requests').textContent();

  const api = async (path: string) => {
    const res = await fetch(`${url}/v0/management/analytics${path}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { requests: number; failures: number };
  };

  const shot = (name: string) => themeShots(page, name, { inBanner: true });
  const nav = (name: string) => navTo(page, name);

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    fake = await startFakeCpa({});
    // Twenty days of history ending an hour ago: all of it inside the 30-day preset, some inside 24 h.
    seeded = await openSeededStore('monitor', { seed: 7, events: 400, days: 20, end: Date.now() - HOUR, keys: 4, accounts: 6, models: 5, failureRate: 0.15 });
    events = seeded.events;
    // CPA mode: the panel served from "CPA's" origin links this server, which allows that origin (CORS).
    host = await startPanelHost(built.html, fake.url);
    ({ app, url } = await startPanelServer({ seeded, panelDir: built.dir, adminKey: ADMIN_KEY, config: { corsOrigins: [host.url] }, deps: { retentionSchedule: false } }));
    browser = await launchChromium();
  }, 120_000);

  // Every test gets its own browser context and sets up what it needs.
  beforeEach(async () => {
    page = await openPage(browser);
    // The deliberate wrong CPA key makes /setup answer 4xx, which Chromium logs as a failed resource.
    collectErrors(page, problems, { withLocation: true, ignore: (m) => failedLoad(m, /\/setup(\/check)?$/) });
  });

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  /** The server connected to the fake CPA, as the setup wizard leaves it (saved through POST /setup). */
  async function connected(): Promise<void> {
    const info = (await (await fetch(`${url}/usage-service/info`)).json()) as { configured: boolean };
    if (info.configured) return;
    const res = await fetch(`${url}/setup`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ cpaBaseUrl: fake.url, managementKey: fake.managementKey, collectorMode: 'auto' }),
    });
    expect(res.ok).toBe(true);
  }

  /** A connected server and this test's page logged in on the Dashboard. */
  async function connectedAndLoggedIn(): Promise<void> {
    await connected();
    await adminLogin(page, url, ADMIN_KEY);
  }

  afterAll(async () => {
    await closeInOrder(browser, app, host, seeded, fake, built);
  });

  it('first run: admin login opens the setup wizard, a wrong CPA key is explained, the doctor runs, setup saves', async () => {
    // A server of its own that nobody has connected yet (the other tests connect the shared one).
    const firstStore = await openSeededStore('monitor-first-run', { seed: 8, events: 20, days: 1, end: Date.now() - HOUR });
    const first = await startPanelServer({ seeded: firstStore, panelDir: built.dir, adminKey: ADMIN_KEY, deps: { retentionSchedule: false } });
    try {
      await firstRun(first.url);
    } finally {
      // Leave the page first: the Dashboard's calls still in flight would meet a closing server (503).
      await page.goto('about:blank');
      await closeInOrder(first.app, firstStore);
    }
  }, 90_000);

  async function firstRun(url: string): Promise<void> {
    await page.goto(`${url}/management.html`);
    await submitAdminKey(page, ADMIN_KEY);
    await page.getByRole('heading', { level: 1, name: 'Connect cpamp to CPA' }).waitFor();
    await page.locator('input[name="cpa-url"]').fill(fake.url);

    // Wrong key: the check (or, on a server without /setup/check, the save) says which key is wrong.
    await page.locator('input[name="management-key"]').fill('not-the-management-key');
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.locator('[data-testid="setup-findings"], [data-testid="setup-error"], .notice.warn').first().waitFor();
    // A failed check is saved only after an explicit confirmation (issue #19).
    const confirm = page.locator('input[name="confirm-save"]');
    if (await confirm.isVisible()) await confirm.check();
    await page.getByTestId('setup-save').click();
    await page.getByTestId('setup-error').getByText('CPA refused the management key.').waitFor();

    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Check connection' }).click();
    const findings = page.getByTestId('setup-findings');
    await findings.or(page.getByText('This server cannot run checks before saving')).first().waitFor({ timeout: 30_000 });
    if (await findings.isVisible()) {
      await expect.poll(() => findings.locator('li').count()).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${ART}setup-light.png`, fullPage: true });
    await page.getByRole('button', { name: 'Theme' }).click();
    await page.screenshot({ path: `${ART}setup-dark.png`, fullPage: true });
    await page.getByRole('button', { name: 'Theme' }).click();

    await page.getByTestId('setup-save').click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: 30_000 });
    const info = (await (await fetch(`${url}/usage-service/info`)).json()) as { configured: boolean };
    expect(info.configured).toBe(true);
  }

  it('Monitoring shows the server numbers in every card; a filter changes them and survives a reload', async () => {
    await connectedAndLoggedIn();
    await nav('Monitoring');
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const day = await api(`/summary?range=24h&tz=${encodeURIComponent(tz)}`);
    await expect.poll(kpi).toBe(fmt(day.requests));

    await page.getByRole('button', { name: 'Last 30 days' }).click();
    const month = await api('/summary?range=30d');
    expect(month.requests).toBe(events.length);
    await expect.poll(kpi).toBe(fmt(month.requests));
    await expect.poll(() => page.getByTestId('kpi-failures').textContent()).toBe(fmt(month.failures));
    for (const id of ['timeline', 'breakdown', 'latency', 'heatmap', 'status-codes']) await page.getByTestId(id).waitFor();
    expect(await page.getByTestId('breakdown').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('monitoring');
    // 375 px wide (phones): the nav collapses, cards and filters stack.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByTestId('kpi-requests').waitFor();
    await page.screenshot({ path: `${ART}mobile-monitoring-light.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    const model = events[0]!.model;
    await pickFilter(page, 'filter-model', model);
    const byModel = await api(`/summary?range=30d&model=${encodeURIComponent(model)}`);
    expect(byModel.requests).toBeLessThan(month.requests);
    await expect.poll(kpi).toBe(fmt(byModel.requests));
    expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain(`model=${model}`);

    // The filter is in the hash: a reload (session restored from sessionStorage) keeps it.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    await expect.poll(kpi).toBe(fmt(byModel.requests));
    await expect.poll(() => page.locator('input[name="filter-model"]').inputValue()).toBe(model);

    await page.locator('select[name="filter-status"]').selectOption('failure');
    const failures = await api(`/summary?range=30d&model=${encodeURIComponent(model)}&status=failure`);
    await expect.poll(kpi).toBe(fmt(failures.requests));

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(kpi).toBe(fmt(month.requests));
    expect(problems).toEqual([]);
  }, 60_000);

  it('Requests: live rows arrive over SSE, past events page with a cursor, a row opens its details', async () => {
    await connectedAndLoggedIn();
    await nav('Requests');
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    // The whole seeded history (the default range is the last 24 hours).
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 15_000 }).toBe('Live');
    await expect.poll(() => page.getByTestId('events-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.getByTestId('events-row').count()).toBe(100);

    // The collector subscribes to the fake CPA once setup saved the connection.
    await expect.poll(() => fake.subscriberCount('usage') + fake.stats().popped, { timeout: 20_000 }).toBeGreaterThan(0);
    const fresh = [...generateUsage({ seed: 99, events: 3, days: 1, end: Date.now(), keys: 2, accounts: 2, models: 2, failureRate: 0 })];
    // Price the live rows' models so the details drawer can explain the cost.
    const held = [...generateUsage({ seed: 100, events: 1, days: 1, end: Date.now(), failureRate: 0 })][0]!;
    for (const raw of [...fresh, held]) {
      const r = normalizeRecord(raw);
      if (!r.ok) continue;
      const res = await fetch(`${url}/v0/management/model-prices`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: r.event.model, price: { input: 1.25, output: 10, cacheRead: 0.125 } }),
      });
      expect(res.status).toBe(200);
    }
    const t0 = Date.now();
    for (const r of fresh) fake.enqueueUsage(r);
    await expect.poll(() => page.getByTestId('live-row').count(), { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    process.stdout.write(`P11 (test, not a bench): first live row ${Date.now() - t0} ms after enqueue\n`);

    // Pause holds new rows back; resume shows them.
    await page.getByRole('button', { name: 'Pause' }).click();
    const before = await page.getByTestId('live-row').count();
    fake.enqueueUsage(held);
    await page.getByTestId('live-held').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('live-row').count()).toBe(before);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByTestId('live-row').count()).toBe(before + 1);

    await page.getByTestId('live-row').first().click();
    await page.getByTestId('event-details').waitFor();
    await page.getByTestId('cost-explain').waitFor();
    await page.getByTestId('cost-explain').locator('table tbody tr').first().waitFor();
    await page.screenshot({ path: `${ART}request-details-light.png` });
    await page.keyboard.press('Escape');
    await shot('requests');
    expect(problems).toEqual([]);
  }, 60_000);

  it('Monitoring renders in all four languages', async () => {
    await connectedAndLoggedIn();
    await nav('Monitoring');
    for (const id of LOCALES) {
      await page.locator('#lang').selectOption(id);
      await page.getByRole('heading', { level: 1, name: MESSAGES[id].monitoring.title }).waitFor();
      await page.getByTestId('kpi-requests').waitFor();
      await page.getByTestId('breakdown').waitFor();
      await page.screenshot({ path: `${ART}monitoring-${id.toLowerCase()}-light.png`, fullPage: true });
    }
    await page.locator('#lang').selectOption('en');
    expect(problems).toEqual([]);
  }, 60_000);

  it('CPA mode: linking a cpamp server shows the manager pages with its numbers', async () => {
    await connected();
    const cpaPage = await openPage(browser);
    const context = cpaPage.context();
    const errors: string[] = [];
    // CPA answers the manager detection probe with 404: that is how CPA mode is recognised.
    collectErrors(cpaPage, errors, { ignore: (m) => failedLoad(m, /\/usage-service\/info$/), withLocation: true });
    try {
      await cpaPage.goto(`${host.url}/management.html`);
      await cpaPage.locator('input[name="management-key"]').fill(fake.managementKey);
      await cpaPage.getByRole('button', { name: 'Connect' }).click();
      await cpaPage.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const navLinks = cpaPage.getByRole('navigation', { name: 'Main' });
      expect(await navLinks.getByRole('link', { name: 'Monitoring', exact: true }).count()).toBe(0);

      await cpaPage.getByRole('button', { name: 'Connect a cpamp server' }).click();
      await cpaPage.locator('input[name="cpamp-url"]').fill(url);
      await cpaPage.locator('input[name="cpamp-admin-key"]').fill(ADMIN_KEY);
      await cpaPage.getByRole('dialog').getByRole('button', { name: 'Connect' }).click();
      await navTo(cpaPage, 'Monitoring');
      await cpaPage.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
      await cpaPage.getByRole('button', { name: 'Last 30 days' }).click();
      // The 30-day numbers replace the default 24-hour ones.
      const shown = async () => Number(((await cpaPage.getByTestId('kpi-requests').textContent()) ?? '').replace(/,/g, ''));
      await expect.poll(shown).toBeGreaterThanOrEqual(events.length);
      await cpaPage.screenshot({ path: `${ART}cpa-linked-monitoring-light.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
