import { generateKeyPairSync } from 'node:crypto';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import { launchChromium } from './walk-harness';

// Every provider list of CPA v7.2.140 round-trips through the panel's entry editor against the fake CPA in
// Chromium: all form fields, model mappings, and fields kept in the "other fields" YAML block (issue #20).
const SECTIONS = ['gemini-api-key', 'interactions-api-key', 'codex-api-key', 'claude-api-key', 'xai-api-key', 'vertex-api-key', 'openai-compatibility'] as const;
/** A field per list that has no input of its own, to prove the YAML block round-trips. */
const OTHER: Record<(typeof SECTIONS)[number], [string, unknown]> = {
  'gemini-api-key': ['request-scoped-errors', [{ status: 400, match: ['too long'], action: 'stop' }]],
  'interactions-api-key': ['request-scoped-errors', [{ status: 429, action: 'continue' }]],
  'codex-api-key': ['alpha-search', true],
  'claude-api-key': ['cloak', { mode: 'always', 'strict-mode': true }],
  'xai-api-key': ['websockets', true],
  'vertex-api-key': ['x-future-field', 'kept'],
  'openai-compatibility': ['support-prompt-cache-key', true],
};
type Entry = Record<string, unknown>;

describe('provider editor in Chromium (CPA mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let host: PanelHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const list = async (section: string): Promise<Entry[]> => {
    const res = await fetch(`${fake.url}/v0/management/${section}`, { headers: { Authorization: `Bearer ${fake.managementKey}` } });
    return ((await res.json()) as Record<string, Entry[]>)[section] ?? [];
  };

  beforeAll(async () => {
    built = await buildPanel();
    fake = await startFakeCpa({});
    host = await startPanelHost(built.html, fake.url);
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/usage-service\/info|\/v1\/models/.test(m.location().url)) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${host.url}/management.html`);
    await page.locator('input[name="cpa-url"]').fill(host.url);
    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.goto(`${host.url}/management.html#/providers`);
    await page.getByRole('heading', { level: 1, name: 'AI providers' }).waitFor();
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

  it('every provider list round-trips through its editor', async () => {
    for (const section of SECTIONS) {
      const openai = section === 'openai-compatibility';
      const before = (await list(section)).length;
      const sec = page.locator(`section[data-section="${section}"]`);
      await sec.getByRole('button', { name: 'Add entry' }).click();
      const form = page.locator(`form[data-section="${section}"]`);
      if (openai) {
        await form.locator('[name="name"]').fill('test-compat');
        await form.locator('[name="api-keys"]').fill('sk-compat-1\nsk-compat-2');
        await form.locator('[name="disabled"]').check();
      } else {
        await form.locator('[name="api-key"]').fill(`${section}-secret-0001`);
        await form.locator('[name="proxy-url"]').fill('socks5://127.0.0.1:1080');
        await form.locator('[name="weight"]').fill('5');
        await form.locator('[name="excluded-models"]').fill('imagen-*\nold-model');
      }
      await form.locator('[name="base-url"]').fill('https://example.test/v1');
      await form.locator('[name="prefix"]').fill('tp');
      await form.locator('[name="priority"]').fill('2');
      await form.locator('[name="request-retry"]').fill('1');
      await form.locator('[name="disable-cooling"]').selectOption('true');
      await form.locator('[name="headers"]').fill('X-Team: blue\nX-Session: $ABC');
      await form.getByRole('button', { name: 'Add model' }).click();
      await form.locator('[name="model-name-0"]').fill('upstream-model');
      await form.locator('[name="model-alias-0"]').fill('my-alias');
      const [k, v] = OTHER[section];
      await form.locator('[name="other"]').fill(`${k}: ${JSON.stringify(v)}`);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await form.waitFor({ state: 'detached' });

      const after = await list(section);
      expect(after.length, section).toBe(before + 1);
      const e = after[after.length - 1]!;
      expect(e['base-url'], section).toBe('https://example.test/v1');
      expect(e['prefix']).toBe('tp');
      expect(e['priority']).toBe(2);
      expect(e['request-retry']).toBe(1);
      expect(e['disable-cooling']).toBe(true);
      expect(e['headers']).toEqual({ 'X-Team': 'blue', 'X-Session': '$ABC' });
      expect(e['models']).toEqual([{ name: 'upstream-model', alias: 'my-alias' }]);
      expect(e[k], `${section} ${k}`).toEqual(v);
      if (openai) {
        expect(e['name']).toBe('test-compat');
        expect(e['disabled']).toBe(true);
        expect((e['api-key-entries'] as Entry[]).map((x) => x['api-key'])).toEqual(['sk-compat-1', 'sk-compat-2']);
      } else {
        expect(e['api-key']).toBe(`${section}-secret-0001`);
        expect(e['proxy-url']).toBe('socks5://127.0.0.1:1080');
        expect(e['weight']).toBe(5);
        expect(e['excluded-models']).toEqual(['imagen-*', 'old-model']);
      }

      // Editing shows what CPA stored and keeps the key when none is typed.
      await sec.getByRole('button', { name: new RegExp(`^Edit .* ${after.length}$`) }).click();
      await expect.poll(() => form.locator('[name="model-alias-0"]').inputValue()).toBe('my-alias');
      expect(await form.locator('[name="priority"]').inputValue()).toBe('2');
      await form.locator('[name="model-alias-0"]').fill('renamed-alias');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await form.waitFor({ state: 'detached' });
      const edited = (await list(section)).at(-1)!;
      expect(edited['models']).toEqual([{ name: 'upstream-model', alias: 'renamed-alias' }]);
      expect(edited[openai ? 'api-key-entries' : 'api-key']).toEqual(openai ? e['api-key-entries'] : e['api-key']);
      expect(edited[k]).toEqual(v);
    }
  });

  it('a failed key test says the status, the provider\'s message and what to check; discovery adds models', async () => {
    fake.setApiCallResponder((req) => {
      if (req.url.includes('generativelanguage')) return { statusCode: 200, header: {}, body: JSON.stringify({ models: [{ name: 'models/gemini-2.5-pro' }, { name: 'models/gemini-2.5-flash' }] }) };
      if (req.url.includes('anthropic')) return { statusCode: 401, header: {}, body: JSON.stringify({ error: { type: 'authentication_error', message: 'invalid x-api-key' } }) };
      return undefined;
    });
    const claude = page.locator('section[data-section="claude-api-key"]');
    await claude.getByRole('button', { name: 'Test key Claude 1' }).click();
    const explain = claude.getByTestId('key-test-explain');
    await explain.waitFor();
    const text = await explain.textContent();
    expect(text).toContain('HTTP 401');
    expect(text).toContain('invalid x-api-key');
    expect(text).toContain('The provider rejected the key');

    const gemini = page.locator('section[data-section="gemini-api-key"]');
    await gemini.getByRole('button', { name: 'Edit Gemini 1' }).click();
    const form = page.locator('form[data-section="gemini-api-key"]');
    await form.getByRole('button', { name: 'Discover models' }).click();
    await form.getByText('2 models found').waitFor();
    await form.getByRole('checkbox', { name: 'gemini-2.5-flash' }).check();
    await form.getByRole('button', { name: 'Add selected' }).click();
    expect(await form.locator('[name="model-name-0"]').inputValue()).toBe('gemini-2.5-flash');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    expect((await list('gemini-api-key'))[0]!['models']).toEqual([{ name: 'gemini-2.5-flash' }]);
    fake.setApiCallResponder(null);
  });

  it('imports a Vertex service account', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const json = JSON.stringify({ type: 'service_account', project_id: 'demo-proj', client_email: 'sa@demo-proj.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    await page.locator('input[name="vertex-file"]').setInputFiles({ name: 'sa.json', mimeType: 'application/json', buffer: Buffer.from(json) });
    await page.getByText(/Imported as .*demo-proj/).waitFor();
  });
});
