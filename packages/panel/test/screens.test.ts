import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../src/lib/i18n';
import { menuRoutes } from '../src/lib/state/nav-groups';
import { pageTitle } from '../src/lib/state/page-titles';
import { MANAGER_ROUTES } from '../src/lib/state/routes';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, ARTIFACTS, closeInOrder, ensureArtifacts, launchChromium, openPage, startDemoCpa, startDemoServer, type DemoCpa, type DemoServer } from './walk-harness';

// Issue #19's screenshots at 375 px (the walk test shoots every page at 1280 px in both themes): every menu
// page on the demo, light and dark, checked for what a phone shows badly: a page wider than the screen, and
// a scroll container inside the scrolling page (the page itself is the one scroll container).
type Layout = { width: number; nested: string[]; wide: string[] };

/** The page's width and the elements in <main> that scroll vertically on their own (dialogs aside). */
function layoutOf(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const nested: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('main *')) {
      if (el.closest('dialog')) continue;
      const cs = getComputedStyle(el);
      if (!/(auto|scroll)/.test(cs.overflowY) || el.clientHeight === 0 || el.scrollHeight <= el.clientHeight + 2) continue;
      nested.push(`${el.tagName.toLowerCase()}${el.dataset['testid'] ? `[data-testid=${el.dataset['testid']}]` : ''}.${[...el.classList].filter((c) => !c.startsWith('svelte-')).join('.')}`);
    }
    // The innermost elements that reach past the screen's right edge (what makes the page too wide).
    const name = (el: Element) => `${el.tagName.toLowerCase()}.${[...el.classList].filter((c) => !c.startsWith('svelte-')).join('.')}`;
    const past = (el: Element) => el.getBoundingClientRect().right > window.innerWidth + 1;
    const wide = [...document.querySelectorAll('body *')].filter((el) => past(el) && ![...el.children].some(past)).slice(0, 5).map((el) => `${name(el.parentElement!)} > ${name(el)}`);
    return { width: document.documentElement.scrollWidth, nested, wide };
  });
}

// Scrollers that are the content itself: the virtualised account table (its viewport is the list), log
// and text viewers (fixed-height panes of a long text), the YAML editor.
const OWN_SCROLL = /pool-viewport|auth-viewport|log|yaml|editor|textarea|pre\b|viewer/i;

describe('every page at 375 px in both themes', () => {
  let built: BuiltPanel;
  let cpa: DemoCpa;
  let server: DemoServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureArtifacts();
    await Promise.all([buildPanel().then((b) => (built = b)), startDemoCpa().then((c) => (cpa = c)), launchChromium().then((b) => (browser = b))]);
    server = await startDemoServer(cpa, { panelPath: join(built.dir, 'management.html'), history: 300 });
    page = await openPage(browser, { height: 812, timeoutMs: 10_000 });
    page.on('dialog', (d) => void d.dismiss());
    await adminLogin(page, server.url, server.adminKey);
    await page.setViewportSize({ width: 375, height: 812 });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await closeInOrder(browser, server, cpa?.fake, built);
  }, 60_000);

  it('no page is wider than the screen or scrolls inside the page', async () => {
    const problems: string[] = [];
    for (const route of menuRoutes(true, MANAGER_ROUTES)) {
      const label = pageTitle(MESSAGES.en, route);
      await page.goto(`${server.url}/management.html#/${route === 'dashboard' ? '' : route}`);
      await page.getByRole('heading', { level: 1, name: label }).waitFor();
      // Data first: the loading skeletons have a different layout.
      await page.locator('main [aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
      for (const theme of ['light', 'dark'] as const) {
        await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
        await page.screenshot({ path: `${ARTIFACTS}screen-375-${route}-${theme}.png`, fullPage: true });
      }
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      const { width, nested, wide } = await layoutOf(page);
      if (width > 375) problems.push(`${route}: ${width} px wide (${wide.join(', ')})`);
      const own = nested.filter((n) => !OWN_SCROLL.test(n));
      if (own.length) problems.push(`${route}: scrolls inside the page: ${own.join(', ')}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
