// What the panel benches share: the built server serving the built panel (pointed at an idle fake CPA, so the
// analytics answer), and headless Chromium with a fresh page already logged in.
import { join } from 'node:path';
import { startFakeCpa } from '@cpamp/testkit';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { spawnBenchServer, stopBenchServer } from './bench-server';

const root = new URL('../..', import.meta.url).pathname;
export const BENCH_PANEL = join(root, 'packages/panel/dist/management.html');

export interface PanelServer {
  base: string;
  /** Stops the server (SIGTERM, SIGKILL after 15 s) and the fake CPA. */
  close(): Promise<void>;
}

export async function startPanelServer(dataDir: string, adminKey: string): Promise<PanelServer> {
  const fake = await startFakeCpa({});
  const server = spawnBenchServer(dataDir, adminKey, {
    CPA_UPSTREAM_URL: fake.url,
    CPA_MANAGEMENT_KEY: fake.managementKey,
    PANEL_PATH: BENCH_PANEL,
  });
  return {
    base: await server.url,
    close: async () => {
      await stopBenchServer(server.proc);
      await fake.close();
    },
  };
}

export function launchBenchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

/**
 * A new context and page, logged in as after a reload (the admin key in sessionStorage); the page's console
 * errors and uncaught errors are appended to `errors`.
 */
export async function openPanelPage(
  browser: Browser,
  adminKey: string,
  errors: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  // An init script is injected by the browser itself, so it may be a string despite the page's CSP.
  await context.addInitScript(`sessionStorage.setItem('cpamp.admin-session', ${JSON.stringify(adminKey)})`);
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page };
}
