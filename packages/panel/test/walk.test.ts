import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES, type LocaleId } from '../src/lib/i18n';
import { menuRoutes } from '../src/lib/state/nav-groups';
import { MANAGER_ROUTES, type RouteId } from '../src/lib/state/routes';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import { pageTitle } from '../src/lib/state/page-titles';
import { brokenTableRows, englishLeaks, has, launchChromium, navLink, placeholderProblems, startDemoCpa, startDemoServer, waitFor, watchPage, type DemoCpa, type DemoServer, type PageWatch } from './walk-harness';

// The whole-app walk (the panel's definition of done): every route, against the demo, in both modes and all four
// languages. A visit fails on: no real data (per-page probe below), an error box, console errors, page errors,
// failed or 4xx/5xx requests to our origins, "undefined"/"NaN"/"{name}" text, English UI text in another
// language, or table rows not laid out as rows. The summary (stdout) lists every visit and failure.
const ART = fileURLToPath(new URL('../../../test-artifacts/panel/', import.meta.url));
const DATA_TIMEOUT = 15_000;
type Probe = () => Promise<string | null>;
type Checks = (p: Page) => [what: string, probe: Probe][];

const tid = (p: Page, id: string) => p.getByTestId(id);
const inputValue = (p: Page, sel: string, re: RegExp): Probe => async () => {
  const v = await p.locator(sel).first().inputValue({ timeout: 1_000 });
  return re.test(v) ? null : `value ${JSON.stringify(v)}`;
};

/** Per page: what "real data from the demo" looks like (not the skeleton, not the empty state). */
const DATA: Record<RouteId, Checks> = {
  dashboard: (p) => [['CPA version', has(tid(p, 'cpa-version'), { text: /\d+\.\d+/ })], ['auth file count', has(tid(p, 'auth-count'), { text: /^[1-9]\d*$/ })]],
  monitoring: (p) => [['requests KPI', has(tid(p, 'kpi-requests'), { text: /[1-9]/ })], ['breakdown rows', has(tid(p, 'breakdown').locator('tbody tr'))]],
  requests: (p) => [['past event rows', has(tid(p, 'events-row'))]],
  pool: (p) => [['pool total', has(tid(p, 'pool-total'), { text: /[1-9]/ })], ['forecast card', has(tid(p, 'forecast-card'))]],
  inspection: (p) => [['inspection runs', has(tid(p, 'run-list').locator('li'))]],
  // Incidents come first; rules and channels sit on the page's second tab.
  alerts: (p) => [
    [
      'alert rules',
      async () => {
        if ((await tid(p, 'rules').count()) > 0) return has(tid(p, 'rules').locator('li'))();
        await p.getByRole('tablist').first().getByRole('tab').nth(1).click({ timeout: 1_000 });
        return 'opening the rules tab';
      },
    ],
    ['alert channels', has(tid(p, 'channels').locator('li, tr'))],
  ],
  prices: (p) => [['price rows', has(tid(p, 'prices-table').locator('tbody tr'))]],
  aliases: (p) => [['key rows', has(tid(p, 'aliases-table').locator('tbody tr'))]],
  data: (p) => [['export model options', has(p.locator('select[name="export-model"] option'), { min: 2 })]],
  collector: (p) => [['collector state', has(tid(p, 'collector-state'), { text: /\S/ })], ['inserted count', has(tid(p, 'collector-inserted'), { text: /[1-9]/ })]],
  storage: (p) => [['stored events', has(tid(p, 'storage-events'), { text: /[1-9]/ })], ['table sizes', has(tid(p, 'storage-objects').locator('tbody tr'))]],
  config: (p) => [['client API keys field', inputValue(p, 'textarea[name="api-keys"]', /\S/)]],
  providers: (p) => [['provider key rows', has(p.locator('section[data-section] tbody tr'))]],
  // With a cpamp server, Auth files and Quota open the Accounts workspace (issue #17); without one, the CPA pages.
  accounts: (p) => [['accounts or auth files', has(p.locator('[data-testid="pool-total"], [data-testid="auth-shown"]'), { text: /[1-9]/ })], ['account rows', has(p.locator('[data-testid="pool-viewport"] [role="row"], [data-testid="auth-viewport"] [role="row"]'))]],
  'auth-files': (p) => [['accounts or auth files', has(p.locator('[data-testid="pool-total"], [data-testid="auth-shown"]'), { text: /[1-9]/ })], ['account rows', has(p.locator('[data-testid="pool-viewport"] [role="row"], [data-testid="auth-viewport"] [role="row"]'))]],
  oauth: (p) => [['provider cards', has(p.locator('section[data-provider]'), { min: 2 })]],
  quota: (p) => [['account cards or accounts', has(p.locator('section.q, [data-testid="pool-total"]'))]],
  logs: (p) => [['log lines', has(tid(p, 'log-count'), { text: /[1-9]/ })]],
  'error-logs': (p) => [['error log rows', has(p.locator('main table tbody tr'))]],
  plugins: (p) => [['installed plugins', has(p.locator('section[data-plugin]'))]],
  system: (p) => [['CPA version', has(tid(p, 'sys-cpa-version'), { text: /\d+\.\d+/ })], ['model count', has(tid(p, 'model-count'), { text: /[1-9]/ })]],
};

interface Visit {
  mode: 'manager' | 'cpa' | 'cpa+cpamp';
  locale: LocaleId;
  route: RouteId;
  ms: number;
  failures: string[];
}

describe('whole-app walk in Chromium (demo: manager mode and CPA panel mode)', () => {
  let built: BuiltPanel;
  let cpa: DemoCpa;
  let host: PanelHost;
  let server: DemoServer;
  let browser: Browser;
  const visits: Visit[] = [];
  const shots: string[] = [];
  const t0 = Date.now();

  async function setLocale(page: Page, locale: LocaleId) {
    await page.locator('#lang').selectOption(locale);
    await page.locator('html').and(page.locator(`[lang="${locale}"]`)).waitFor();
  }

  async function setTheme(page: Page, theme: 'light' | 'dark') {
    await page.locator('.theme button').nth(theme === 'light' ? 0 : 1).click();
    await page.locator(`html[data-theme="${theme}"]`).waitFor();
  }

  async function shot(page: Page, name: string) {
    // Toasts fade on their own; click them away so they do not cover the page.
    while ((await page.locator('button.toast').count()) > 0) await page.locator('button.toast').first().click().catch(() => undefined);
    await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
    shots.push(`${name}.png`);
  }

  /** Opens a route from the (localised) nav, waits for real data, and records everything that went wrong. */
  async function visit(page: Page, watch: PageWatch, mode: Visit['mode'], locale: LocaleId, route: RouteId): Promise<Visit> {
    const start = Date.now();
    const failures: string[] = [];
    const label = pageTitle(MESSAGES[locale], route);
    const link = await navLink(page, label);
    try {
      await link.click({ timeout: 5_000 });
      await page.locator('#sidenav a[aria-current="page"]', { hasText: label }).waitFor({ timeout: 5_000 });
      const h1 = await waitFor('page heading', has(page.locator('main h1'), { text: /\S/ }), 5_000);
      if (h1) failures.push(h1);
      // A page that already showed no data in this mode gets a short wait in the next languages.
      const before = visits.some((v) => v.mode === mode && v.route === route && v.failures.some((f) => f.startsWith('no real data')));
      for (const [what, probe] of DATA[route](page)) {
        const miss = await waitFor(what, probe, before ? 3_000 : DATA_TIMEOUT);
        if (miss) failures.push(`no real data: ${miss}`);
      }
      if ((await page.locator('main .notice.bad.err').count()) > 0) {
        failures.push(`error box: ${(await page.locator('main .notice.bad.err').first().innerText()).replace(/\s+/g, ' ').slice(0, 160)}`);
      }
      for (const problem of [await placeholderProblems(page), await englishLeaks(page, locale), await brokenTableRows(page)]) if (problem) failures.push(problem);
    } catch (e) {
      failures.push(`nav link ${JSON.stringify(label)}: ${(e as Error).message.split('\n')[0]}`);
    }
    // Let late responses of this page land before judging it.
    await watch.settled();
    failures.push(...watch.take());
    const v: Visit = { mode, locale, route, ms: Date.now() - start, failures };
    visits.push(v);
    return v;
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => void d.dismiss());
    return page;
  }

  beforeAll(async () => {
    await mkdir(ART, { recursive: true });
    // Assigned as each resolves, so afterAll closes whatever started even if another part failed.
    await Promise.all([buildPanel().then((b) => (built = b)), startDemoCpa().then((c) => (cpa = c)), launchChromium().then((b) => (browser = b))]);
    host = await startPanelHost(built.html, cpa.fake.url);
    server = await startDemoServer(cpa, { panelPath: join(built.dir, 'management.html'), corsOrigins: [host.url] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
    await cpa?.fake.close();
    await built?.cleanup();
    const cell = (mode: Visit['mode'], locale: LocaleId) =>
      visits.filter((v) => v.mode === mode && v.locale === locale).map((v) => `${v.route}${v.failures.length ? '✗' : '✓'}`);
    const slowest = [...visits].sort((a, b) => b.ms - a.ms)[0];
    const lines = [
      `walk: ${visits.length} visits, ${visits.filter((v) => v.failures.length).length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        (slowest ? `, slowest ${slowest.mode}/${slowest.locale}/${slowest.route} ${slowest.ms} ms` : ''),
    ];
    for (const mode of ['manager', 'cpa', 'cpa+cpamp'] as const) {
      for (const l of LOCALES) {
        const c = cell(mode, l);
        if (c.length) lines.push(`  ${mode} ${l}: ${c.join(' ')}`);
      }
    }
    for (const v of visits.filter((x) => x.failures.length)) lines.push(`  ✗ ${v.mode}/${v.locale}/${v.route}: ${v.failures.join(' | ')}`);
    lines.push(`  screenshots (test-artifacts/panel/): ${shots.join(', ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });

  const failed = (mode: Visit['mode']) => visits.filter((v) => v.mode === mode && v.failures.length).map((v) => `${v.mode}/${v.locale}/${v.route}: ${v.failures.join(' | ')}`);

  it('manager mode: every route in every language shows real demo data, with screenshots in both themes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', colorScheme: 'light' });
    try {
      const page = await newPage(context);
      const watch = watchPage(page, [server.url], []);
      await page.goto(`${server.url}/management.html`);
      await page.locator('input[name="admin-key"]').fill(server.adminKey);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect(watch.take(), 'manager-mode login').toEqual([]);
      for (const locale of LOCALES) {
        await setLocale(page, locale);
        // Every menu entry (Pool, Auth files and Quota are in Accounts with a cpamp server).
        for (const route of menuRoutes(true, MANAGER_ROUTES)) {
          const v = await visit(page, watch, 'manager', locale, route);
          if (locale === 'en') {
            for (const theme of ['light', 'dark'] as const) {
              await setTheme(page, theme);
              await shot(page, `walk-${route}-${theme}`);
            }
            await setTheme(page, 'light');
          } else if ((route === 'dashboard' || route === 'accounts') && v.failures.length === 0) {
            await shot(page, `walk-${route}-${locale.toLowerCase()}-light`);
          }
        }
      }
      await setLocale(page, 'en');
    } finally {
      await context.close();
    }
    expect(failed('manager')).toEqual([]);
  }, 240_000);

  it('CPA panel mode: the CPA routes in every language, then the manager routes through a linked cpamp server', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', colorScheme: 'light' });
    try {
      const page = await newPage(context);
      // CPA answers the manager-detection probe with 404: that is how CPA mode is recognised.
      const watch = watchPage(page, [host.url, server.url], [/\/usage-service\/info$/]);
      await page.goto(`${host.url}/management.html`);
      await page.locator('input[name="management-key"]').fill(cpa.fake.managementKey);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect(watch.take(), 'CPA-mode login').toEqual([]);
      const cpaRoutes = menuRoutes(false, MANAGER_ROUTES);
      for (const locale of LOCALES) {
        await setLocale(page, locale);
        for (const route of cpaRoutes) await visit(page, watch, 'cpa', locale, route);
      }
      await setLocale(page, 'en');
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring', exact: true }).count()).toBe(0);

      await page.getByRole('button', { name: 'Connect a cpamp server' }).click();
      await page.locator('input[name="cpamp-url"]').fill(server.url);
      await page.locator('input[name="cpamp-admin-key"]').fill(server.adminKey);
      await page.getByRole('dialog').getByRole('button', { name: 'Connect' }).click();
      // The connect round-trips to the linked server and reloads the menu; 10 s ran out once in a full run under load.
      await (await navLink(page, 'Monitoring')).waitFor({ timeout: 30_000 });
      for (const route of menuRoutes(true, MANAGER_ROUTES).filter((r) => !cpaRoutes.includes(r))) {
        const v = await visit(page, watch, 'cpa+cpamp', 'en', route);
        if (route === 'monitoring' && v.failures.length === 0) await shot(page, 'walk-cpa-linked-monitoring-light');
      }
    } finally {
      await context.close();
    }
    expect([...failed('cpa'), ...failed('cpa+cpamp')]).toEqual([]);
  }, 180_000);
});
