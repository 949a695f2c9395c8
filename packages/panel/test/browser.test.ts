import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateAccounts, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import { navLink, navTo } from './walk-harness';

// The panel in real headless Chromium against the fake CPA, hosted the way CPA hosts it (same origin).
const ART = fileURLToPath(new URL('../../../test-artifacts/panel/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium'; // Debian's chromium, installed by .ci/run
const ACCOUNTS = generateAccounts({ seed: 7, accounts: 3500 });

interface ConsoleProblem {
  text: string;
  url: string;
}

describe('panel in Chromium (CPA mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let host: PanelHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: ConsoleProblem[] = [];
  const shots: string[] = [];

  // Expected "Failed to load resource" lines: mode detection (CPA answers 404), the deliberate wrong
  // key and unreachable URL, and /v1/models, which the fake CPA does not serve.
  const expected = (p: ConsoleProblem) =>
    /Failed to load resource/.test(p.text) &&
    /\/usage-service\/info|\/v1\/models|\/v0\/management\/config$|^http:\/\/127\.0\.0\.1:1\//.test(p.url);

  const mgmt = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${fake.url}/v0/management${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${fake.managementKey}`, ...(init.headers ?? {}) },
    });
    return res;
  };
  const mgmtJson = async (path: string) => (await mgmt(path)).json() as Promise<Record<string, unknown>>;

  async function shot(name: string) {
    // The shell has Light/Dark/System buttons; the login screen has a single light/dark toggle.
    const inShell = (await page.getByRole('button', { name: 'Light', exact: true }).count()) > 0;
    for (const theme of ['light', 'dark'] as const) {
      if (inShell) await page.getByRole('button', { name: theme === 'light' ? 'Light' : 'Dark', exact: true }).first().click();
      else if ((await page.evaluate(() => document.documentElement.dataset['theme'])) !== theme) {
        await page.getByRole('button', { name: 'Theme' }).click();
      }
      await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
      const file = `${name}-${theme}.png`;
      await page.screenshot({ path: `${ART}${file}` });
      shots.push(file);
    }
    if (inShell) await page.getByRole('button', { name: 'Light', exact: true }).first().click();
    else await page.getByRole('button', { name: 'Theme' }).click();
  }

  async function go(linkName: string, heading: string) {
    await navTo(page, linkName);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  beforeAll(async () => {
    await mkdir(ART, { recursive: true });
    built = await buildPanel();
    fake = await startFakeCpa({ authFiles: ACCOUNTS, usageStatisticsEnabled: false, oauthPollsBeforeOk: 0 });
    for (let i = 0; i < 30; i++) fake.appendLog(`[2026-08-22 14:06:${String(i).padStart(2, '0')}] [info] GET /v1/models 200 ${i}ms`);
    fake.appendLog('[2026-08-22 14:07:00] [error] upstream 429 from codex');
    host = await startPanelHost(built.html, fake.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  }, 120_000);

  // Every test gets its own browser context (no session or viewport left by an earlier test).
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push({ text: m.text(), url: m.location().url });
    });
    page.on('pageerror', (e) => problems.push({ text: `pageerror: ${e.message}`, url: '' }));
    page.on('dialog', (d) => void d.accept());
  });

  afterEach(async () => {
    await context.close();
    expect(problems.splice(0).filter((p) => !expected(p))).toEqual([]);
  });

  /** Logs in to the fake CPA with the right key, up to the Dashboard. */
  async function login() {
    await page.goto(`${host.url}/management.html`);
    await page.locator('input[name="cpa-url"]').fill(host.url);
    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  }

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await fake?.close();
    await built?.cleanup();
    process.stdout.write(`panel screenshots in test-artifacts/panel/: ${shots.join(', ')}\n`);
  });

  it('explains a wrong key in plain language, then logs in with the right one', async () => {
    await page.goto(`${host.url}/management.html`);
    const url = page.locator('input[name="cpa-url"]');
    await url.waitFor();
    expect(await url.inputValue()).toBe(host.url);
    await url.fill('127.0.0.1:1');
    await page.locator('input[name="management-key"]').fill('any-key');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Cannot reach http://127.0.0.1:1.').waitFor();
    await url.fill(host.url);
    await page.locator('input[name="management-key"]').fill('wrong-key');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('CPA rejected the management key.').waitFor();
    await shot('login-error');

    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  it('dashboard shows version, auth file health and the usage-statistics warning', async () => {
    await login();
    await expect.poll(() => page.getByTestId('cpa-version').textContent()).toBe('7.2.140');
    await expect.poll(() => page.getByTestId('auth-count').textContent()).toBe(String(ACCOUNTS.length));
    await page.getByTestId('usage-warning').waitFor();
    await page.getByText('Up to date').waitFor();
    await shot('dashboard');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Usage records are enabled.').waitFor();
    expect((await mgmtJson('/config'))['usage-statistics-enabled']).toBe(true);
  });

  it('keeps the session across a reload, and a slow call never blocks the page', async () => {
    await login();
    fake.faults.set({ delayMs: 4000, pathPrefix: '/v0/management/latest-version' });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const t0 = Date.now();
    await expect.poll(() => page.getByTestId('auth-count').textContent(), { timeout: 3000 }).toBe(String(ACCOUNTS.length));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await page.getByText('Up to date').count()).toBe(0); // still waiting for the slow update check
    fake.faults.clear();
    await page.getByText('Up to date').waitFor();
  });

  it('configuration: a visual change and a YAML edit both reach CPA', async () => {
    await login();
    await go('Configuration', 'Configuration');
    await page.locator('a[data-group="logging"]').click(); // debug lives in the "Logging and statistics" group
    const debug = page.locator('input[name="debug"]');
    await debug.waitFor();
    expect(await debug.isChecked()).toBe(false);
    await debug.check();
    await page.getByText('1 unsaved change').waitFor();
    await shot('config');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await mgmtJson('/config'))['debug']).toBe(true);

    await page.getByRole('tab', { name: 'config.yaml' }).click();
    const ta = page.locator('textarea[name="config-yaml"]');
    await ta.waitFor();
    const yaml = await (await mgmt('/config.yaml')).text();
    await expect.poll(() => ta.inputValue()).toBe(yaml);
    expect(yaml).toMatch(/request-retry:\s*3/);
    await ta.fill(yaml.replace(/request-retry:\s*3/, 'request-retry: 5'));
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.getByTestId('yaml-diff').waitFor();
    expect(await page.getByTestId('yaml-diff').textContent()).toContain('request-retry: 5');
    await page.screenshot({ path: `${ART}config-diff-light.png` });
    shots.push('config-diff-light.png');
    await page.getByRole('button', { name: 'Save config.yaml' }).click();
    await expect.poll(async () => (await mgmtJson('/config'))['request-retry']).toBe(5);
    expect(await (await mgmt('/config.yaml')).text()).toMatch(/request-retry:\s*5/);
  });

  it('AI providers: lists masked keys and adds an entry', async () => {
    await login();
    await go('AI providers', 'AI providers');
    const gemini = page.locator('[data-section="gemini-api-key"]');
    await gemini.getByText('AIza…0001').waitFor();
    expect(await page.content()).not.toContain('AIzaSyFakeGeminiKey000001');
    await shot('providers');
    const xai = page.locator('[data-section="xai-api-key"]');
    await xai.getByRole('button', { name: 'Add entry' }).click();
    await page.locator('input[name="api-key"]').fill('xai-test-key-1234567');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await xai.getByText('xai-…4567').waitFor();
    const list = (await mgmtJson('/xai-api-key'))['xai-api-key'] as { 'api-key': string }[];
    expect(list.map((e) => e['api-key'])).toContain('xai-test-key-1234567');
  });

  it('auth files: virtualised table, search, enable/disable reaches CPA, upload many', async () => {
    await login();
    await go('Auth files', 'Auth files');
    const total = ACCOUNTS.length;
    await expect.poll(() => page.getByTestId('auth-shown').textContent()).toBe(`${total} of ${total}`);
    const rows = await page.locator('[data-testid="auth-viewport"] [role="row"]').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(80); // thousands of files, only the visible rows in the DOM
    await shot('auth-files');

    await page.locator('input[name="auth-search"]').fill('claude-');
    await expect.poll(async () => Number((await page.getByTestId('auth-shown').textContent())?.split(' ')[0])).toBeLessThan(total);
    await page.locator('input[name="auth-search"]').fill('');

    const first = page.locator('[data-testid="auth-viewport"] [role="row"]').first();
    const name = (await first.getAttribute('data-name')) ?? '';
    await first.locator('input.switch').click();
    await expect
      .poll(async () => ((await mgmtJson(`/auth-files?name=${encodeURIComponent(name)}`))['files'] as { disabled: boolean }[])[0]?.disabled)
      .toBe(true);
    await first.locator('input.switch').click();
    await expect
      .poll(async () => ((await mgmtJson(`/auth-files?name=${encodeURIComponent(name)}`))['files'] as { disabled: boolean }[])[0]?.disabled)
      .toBe(false);

    const upload = (n: string) => ({
      name: n,
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ type: 'codex', email: `${n}@example.com`, access_token: 'x' })),
    });
    await page.locator('#auth-upload').setInputFiles([upload('codex-up-1.json'), upload('codex-up-2.json')]);
    await page.getByText('2 files uploaded.').waitFor();
    const names = fake.authFiles().map((f) => f.name);
    expect(names).toContain('codex-up-1.json');
    expect(names).toContain('codex-up-2.json');
  });

  it('OAuth login: start, poll, finish', async () => {
    await login();
    await go('OAuth login', 'OAuth login');
    const codex = page.locator('[data-provider="codex"]');
    await codex.getByRole('button', { name: 'Log in' }).click();
    await codex.getByRole('link', { name: 'Open login page' }).waitFor();
    await shot('oauth');
    await codex.getByText('Account added.').waitFor({ timeout: 10_000 });
  });

  it('quota: checks accounts through api-call with bounded concurrency', async () => {
    await login();
    await go('Quota', 'Quota');
    await page.locator('section.q').first().waitFor();
    await page.getByRole('button', { name: 'Check shown' }).click();
    await page.locator('section.q').first().getByText(/% used/).first().waitFor();
    await expect.poll(() => page.getByText('Checking…').count()).toBe(0);
    await shot('quota');
  });

  it('logs: tail shows new lines incrementally, filter and pause', async () => {
    await login();
    await go('Logs', 'Logs');
    await page.getByText('upstream 429 from codex').waitFor();
    fake.appendLog('[2026-08-22 14:08:00] [warn] a brand new line');
    await page.getByText('a brand new line').waitFor({ timeout: 10_000 });
    await page.locator('input[name="log-filter"]').fill('error');
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/^1 of /);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('Paused', { exact: true }).waitFor();
    await shot('logs');
    await page.getByRole('button', { name: 'Resume' }).click();
  });

  it('error logs: lists files and downloads one', async () => {
    await login();
    await go('Request error logs', 'Request error logs');
    const btn = page.getByRole('button', { name: /^Download error-/ }).first();
    await btn.waitFor();
    await shot('error-logs');
    const [download] = await Promise.all([page.waitForEvent('download'), btn.click()]);
    expect(download.suggestedFilename()).toMatch(/^error-.*\.log$/);
  });

  it('plugins: list and disable', async () => {
    await login();
    await go('Plugins', 'Plugins');
    const card = page.locator('[data-plugin="usage-exporter"]');
    await card.waitFor();
    await shot('plugins');
    await card.locator('input[type="checkbox"]').click();
    await expect
      .poll(async () => ((await mgmtJson('/plugins'))['plugins'] as { id: string; enabled: boolean }[]).find((p) => p.id === 'usage-exporter')?.enabled)
      .toBe(false);
  });

  it('system: versions and model list state', async () => {
    await login();
    await go('System', 'System');
    await expect.poll(() => page.getByTestId('sys-cpa-version').textContent()).toBe('7.2.140');
    // The fake CPA serves /v1/models for a client API key from its config, as CPA does.
    await expect.poll(() => page.getByTestId('model-count').textContent(), { timeout: 10_000 }).toMatch(/[1-9]/);
    await shot('system');
  });

  it('switches language and keeps every page keyboard reachable', async () => {
    await login();
    await go('System', 'System');
    await page.locator('#lang').selectOption('zh-CN');
    await (await navLink(page, '认证文件')).waitFor();
    await page.screenshot({ path: `${ART}system-zh-CN-light.png` });
    shots.push('system-zh-CN-light.png');
    await page.locator('#lang').selectOption('en');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'System' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    // Then the header controls, then the sidebar links, in document order.
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    // Groups are buttons in the menu (issue #19): the Accounts group (with Auth files) is reachable by keyboard.
    expect(seen).toContain('Accounts');
  });

  it('works at 375 px: no horizontal overflow, menu opens', async () => {
    await login();
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${host.url}/management.html#/`);
    // A fresh page: menu groups opened by earlier tests stay open otherwise (the menu keeps them for the session).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByTestId('auth-count').waitFor();
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 376)
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    expect(overflow).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('mobile-dashboard');
    await page.getByRole('button', { name: 'Menu' }).click();
    // The menu slides in: wait until it rests before picking a link in it.
    await page.waitForFunction(() => getComputedStyle(document.getElementById('sidenav')!).transform === 'none');
    await navTo(page, 'Auth files');
    await page.getByTestId('auth-shown').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('mobile-auth-files');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('dashboard charts draw real per-file buckets, with tooltips', async () => {
    // The fake CPA reports all-zero recent_requests; give its real /auth-files answer some traffic.
    await page.route('**/v0/management/auth-files', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { files: { recent_requests?: { success: number; failed: number }[] }[] };
      body.files.forEach((f, i) => {
        f.recent_requests = f.recent_requests?.map((b, j) => ({ ...b, success: (i * 7 + j * 3) % 5, failed: (i + j) % 17 === 0 ? 1 : 0 }));
      });
      await route.fulfill({ response: res, json: body });
    });
    await login();
    const bars = page.locator('svg[aria-label="Requests, last 200 minutes"]');
    await bars.waitFor();
    expect(await bars.locator('rect').count()).toBeGreaterThan(20);
    const box = await bars.boundingBox();
    if (box) await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
    await page.getByRole('tooltip').first().waitFor();
    await page.locator('svg[aria-label="Total"]').waitFor();
    await page.getByRole('img', { name: 'Requests by provider' }).waitFor();
    await shot('dashboard-traffic');
    await page.unroute('**/v0/management/auth-files');
  });

  it('logout clears the stored key', async () => {
    await login();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('input[name="management-key"]').waitFor();
    const stored = await page.evaluate(() => [sessionStorage.getItem('cpamp.session'), localStorage.getItem('cpamp.session')]);
    expect(stored).toEqual([null, null]);
  });
});
