import { readFile } from 'node:fs/promises';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import { launchChromium } from './walk-harness';

// Logs (download, request log by id, error log viewer) and plugins (state as CPA reports it, plugin pages,
// delete) in Chromium against the fake CPA, CPA panel mode (issue #20).
describe('logs and plugins in Chromium (CPA mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let host: PanelHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const mgmt = (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}/v0/management${path}`, { ...init, headers: { Authorization: `Bearer ${fake.managementKey}`, ...(init.headers ?? {}) } });
  const pluginList = async () => (await (await mgmt('/plugins')).json()) as { plugins_enabled: boolean; plugins: { id: string; effective_enabled: boolean }[] };

  beforeAll(async () => {
    built = await buildPanel();
    fake = await startFakeCpa({ loggingToFile: true });
    host = await startPanelHost(built.html, fake.url);
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/usage-service\/info|\/v1\/models|request-log-by-id\/deadbeef/.test(m.location().url)) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${host.url}/management.html`);
    await page.locator('input[name="cpa-url"]').fill(host.url);
    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  afterEach(async () => {
    await context.close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await fake?.close();
    await built?.cleanup();
  });

  it('plugins show CPA\'s state, open the pages they add, and can be deleted', async () => {
    // plugins.enabled is false in config: a plugin switched on in its own config still does not run.
    await page.goto(`${host.url}/management.html#/plugins`);
    const card = page.locator('[data-plugin="usage-exporter"]');
    await card.getByTestId('plugin-status').getByText('Not running: plugins.enabled is false').waitFor();
    await page.getByTestId('plugins-global-off').waitFor();
    expect(await card.getByRole('checkbox').isChecked()).toBe(true);

    fake.installPlugin({ id: 'quota-board', name: 'Quota Board', version: '0.3.0', menus: [{ path: '/v0/resource/plugins/quota-board/board', menu: 'Quota board', html: '<!doctype html><h1>Quota board page</h1>' }] });
    expect((await mgmt('/plugins/quota-board/enabled', { method: 'PATCH', body: JSON.stringify({ enabled: true }) })).status).toBe(200);
    const yaml = await (await mgmt('/config.yaml')).text();
    expect((await mgmt('/config.yaml', { method: 'PUT', body: yaml.replace(/plugins:\n\s+enabled: false/, 'plugins:\n  enabled: true') })).status).toBe(200);
    expect((await pluginList()).plugins_enabled).toBe(true);
    await page.reload();
    const qb = page.locator('[data-plugin="quota-board"]');
    await qb.getByTestId('plugin-status').getByText('Running').waitFor();
    expect(await page.getByTestId('plugins-global-off').count()).toBe(0);

    // The page the plugin adds renders inside the panel.
    await qb.getByRole('link', { name: 'Quota board' }).click();
    await page.getByTestId('plugin-page').waitFor();
    await page.frameLocator('[data-testid="plugin-page"]').getByRole('heading', { name: 'Quota board page' }).waitFor();
    await page.getByRole('link', { name: /Back to plugins/ }).click();

    // Switching off reloads CPA's answer (no optimistic flip), then delete.
    await qb.getByRole('checkbox').click();
    await qb.getByTestId('plugin-status').getByText('Disabled').waitFor();
    expect((await pluginList()).plugins.find((p) => p.id === 'quota-board')?.effective_enabled).toBe(false);
    await qb.getByRole('button', { name: 'Delete plugin Quota Board' }).click();
    await page.getByText('Plugin quota-board deleted.').waitFor();
    await qb.waitFor({ state: 'detached' });
    expect((await pluginList()).plugins.map((p) => p.id)).not.toContain('quota-board');
  });

  it('logs download, a request log by id and an error log open in the page', async () => {
    fake.appendLog('[2026-08-22 14:07:00] [warn] upstream slow for request 77c0de12');
    await page.goto(`${host.url}/management.html#/logs`);
    await page.locator('.log .ln').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    const text = await readFile((await download.path())!, 'utf8');
    expect(text).toContain('upstream slow for request 77c0de12');
    expect(text).toContain('API server listening');

    await page.locator('input[name="request-id"]').fill('77c0de12');
    await page.getByRole('button', { name: 'Open request log' }).click();
    await expect.poll(() => page.getByTestId('log-text').textContent()).toContain('=== REQUEST ===');
    await page.getByRole('button', { name: 'Close' }).last().click();
    await page.locator('input[name="request-id"]').fill('deadbeef');
    await page.getByRole('button', { name: 'Open request log' }).click();
    await page.getByRole('alert').first().waitFor(); // CPA's 404 explained, not an empty viewer
    await page.getByRole('button', { name: 'Close' }).last().click();

    await page.goto(`${host.url}/management.html#/error-logs`);
    await page.getByRole('button', { name: /^View error-v1-chat/ }).click();
    await expect.poll(() => page.getByTestId('log-text').textContent()).toContain('429 usage_limit_reached');
  });
});
