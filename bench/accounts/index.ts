// Accounts workspace benchmark (issue #17, item 5): 5,000 auth files behind a real cpamp server (built dist)
// and the fake CPA, the built panel in headless Chromium.
//   interactiveMs — from navigation to #/accounts until the pool total shows 5,000 and the first rows are
//                   drawn (target ≤ 1,000 ms);
//   bulk1000Ms    — select the 1,000 accounts of one provider, disable them through the page with progress,
//                   until the progress bar reports 1,000 / 1,000;
//   sseRowsReplaced — table rows the page re-created for one account's live action event (only that row, so
//                   ≤ 1; the whole table would be every rendered row).
// Env: ACCOUNTS_BENCH_FILES (default 5000), ACCOUNTS_BENCH_BULK (default 1000).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildApp, defineConfig } from '@cpamp/server';
import { startFakeCpa, type FakeAuthFile } from '@cpamp/testkit';
import { chromium } from 'playwright-core';
import { buildPanel } from '../../packages/panel/test/build-panel';

const FILES = Number(process.env.ACCOUNTS_BENCH_FILES ?? 5000);
const BULK = Number(process.env.ACCOUNTS_BENCH_BULK ?? 1000);
const ADMIN_KEY = 'cpamp_accounts_bench_admin_key_0123456789';
const root = new URL('../..', import.meta.url).pathname;
const log = (...a: unknown[]) => console.log(...a);
// What the in-page functions use (the bench compiles without the DOM lib; the panel's CSP forbids string eval).
interface El {
  textContent: string | null;
  getAttribute(n: string): string | null;
  nodeType: number;
}
interface PageGlobals {
  document: { querySelector(s: string): El | null; querySelectorAll(s: string): { length: number } };
  location: { hash: string };
  __replaced: number;
  MutationObserver: new (cb: (ms: { addedNodes: Iterable<El> }[]) => void) => { observe(el: El, o: object): void };
}

async function main(): Promise<void> {
  // BULK Codex accounts, the rest Claude: filtering by provider selects exactly BULK.
  const files: FakeAuthFile[] = Array.from({ length: FILES }, (_, i) => {
    const codex = i < BULK;
    const email = `${codex ? 'codex' : 'claude'}-${i}@bench.test`;
    return { name: `${codex ? 'codex' : 'claude'}-${email}.json`, content: { type: codex ? 'codex' : 'claude', email, access_token: `tok-${i}`, ...(codex ? { account_id: `acc-${i}` } : {}) } };
  });
  const fake = await startFakeCpa({ authFiles: files });
  const panel = await buildPanel();
  const dir = mkdtempSync(join(tmpdir(), 'cpamp-accounts-bench-'));
  const app = await buildApp(
    defineConfig({ dataDir: dir, adminKey: ADMIN_KEY, cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey, panelPath: join(panel.dir, 'management.html'), logLevel: 'error', allowLocalTargets: true }),
    { logStream: { write: () => undefined }, retentionSchedule: false },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  const result: Record<string, unknown> = {
    bench: 'accounts',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map((x) => Math.round(x * 10) / 10), note: 'shared machine, loaded by other work' },
    files: FILES,
    bulk: BULK,
  };
  try {
    const t0 = performance.now();
    await (app as unknown as { pool: { sync(): Promise<unknown> } }).pool.sync();
    result['poolSyncMs'] = Math.round(performance.now() - t0);
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(`${url}/management.html`);
    await page.locator('input[name="admin-key"]').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    // Interactive: navigation start → total shown and rows drawn.
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      await page.goto(`${url}/management.html#/dashboard`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const start = Date.now();
      await page.evaluate(() => void ((globalThis as unknown as PageGlobals).location.hash = '#/accounts'));
      await page.waitForFunction(
        (n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="pool-total"]')?.textContent?.replace(/\D/g, '') === String(n) && (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid="pool-viewport"] [role="row"]').length > 5,
        FILES,
      );
      runs.push(Date.now() - start);
    }
    result['interactiveMs'] = { runs, best: Math.min(...runs), median: [...runs].sort((a, b) => a - b)[1], target: 1000 };
    log('interactive', runs);

    // SSE: one account changed elsewhere → how many rows does the table re-create?
    await page.evaluate(() => {
      const w = (globalThis as unknown as PageGlobals);
      w.__replaced = 0;
      const spacer = w.document.querySelector('[data-testid="pool-viewport"] .spacer-y');
      new w.MutationObserver((ms) => {
        for (const m of ms) w.__replaced += [...m.addedNodes].filter((n) => n.nodeType === 1 && n.getAttribute('role') === 'row').length;
      }).observe(spacer!, { childList: true });
    });
    const firstRow = await page.locator('[data-testid="pool-viewport"] [role="row"]').first().getAttribute('data-auth-index');
    const firstName = ((await app.inject({ url: `/v0/management/pool/accounts/${firstRow}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json() as { account: { fileName: string } }).account.fileName;
    const firstFile = files.find((f) => f.name === firstName);
    await app.inject({ method: 'PATCH', url: '/v0/management/auth-files/status', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, payload: { name: firstFile?.name, disabled: true } });
    await page
      .waitForFunction((i) => (globalThis as unknown as PageGlobals).document.querySelector(`[data-auth-index="${i}"] [data-testid="row-status"]`)?.getAttribute('data-status') === 'disabled_by_user', firstRow, { timeout: 30_000 })
      .catch(() => undefined);
    result['sseRowsReplaced'] = await page.evaluate(() => (globalThis as unknown as PageGlobals).__replaced);
    result['renderedRows'] = await page.locator('[data-testid="pool-viewport"] [role="row"]').count();

    // Bulk: 1,000 Codex accounts disabled through the page, with progress.
    await page.locator('select[name="pool-provider"]').selectOption('codex');
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="pool-shown"]')?.textContent?.endsWith(`of ${n}`) ?? false, BULK);
    const tSel = Date.now();
    await page.getByRole('button', { name: 'Select all shown' }).click();
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="picked-count"]')?.textContent === `${n} selected`, BULK);
    result['selectAllMs'] = Date.now() - tSel;
    await page.locator('select[name="bulk-action"]').selectOption('disable');
    await page.getByTestId('bulk-apply').click();
    await page.getByTestId('bulk-summary').waitFor();
    const tBulk = Date.now();
    const ticks: number[] = [];
    await page.getByTestId('bulk-confirm').click();
    // At most 4 minutes: a slower run reports how far it got.
    let done = 0;
    while (Date.now() - tBulk < 240_000) {
      done = Number(await page.getByTestId('bulk-progress').getAttribute('data-done'));
      ticks.push(done);
      if (done >= BULK) break;
      await page.waitForTimeout(250);
    }
    result['bulk1000Ms'] = done >= BULK ? Date.now() - tBulk : null;
    result['bulkDoneAfterMs'] = { done, ms: Date.now() - tBulk };
    result['bulkProgressSamples'] = ticks.length;
    result['bulkDisabledInCpa'] = fake.authFiles().filter((f) => f.content.type === 'codex' && f.content.disabled === true).length;
    log('bulk', result['bulk1000Ms'], 'ms, disabled in CPA:', result['bulkDisabledInCpa']);
  } finally {
    await browser.close();
    await app.close();
    await fake.close();
    await panel.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(join(root, 'bench/results/accounts.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(JSON.stringify(result, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
