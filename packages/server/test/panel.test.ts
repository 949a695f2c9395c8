import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from './helpers';

let t: TestApp | null = null;
const dirs: Array<{ cleanup(): void }> = [];
afterEach(async () => {
  await t?.close();
  t = null;
  for (const d of dirs.splice(0)) d.cleanup();
});

const HTML = '<!doctype html><html><head><script type="module">console.log("panel")</script></head><body>cpamp panel</body></html>';

describe('panel serving', () => {
  it('serves PANEL_PATH with CSP pinned to its inline script, caching and security headers', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir.path, 'management.html');
    writeFileSync(file, HTML);
    t = await startTestApp({ panelPath: file });
    const res = await t.app.inject({ url: '/management.html' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(HTML);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    const hash = createHash('sha256').update('console.log("panel")').digest('base64');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const again = await t.app.inject({ url: '/management.html', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const head = await t.app.inject({ method: 'HEAD', url: '/management.html' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(HTML)));
  });

  it('redirects / with a relative Location (works under a reverse-proxy sub-path)', async () => {
    t = await startTestApp();
    const res = await t.app.inject({ url: '/' });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe('management.html');
    expect(new URL(String(res.headers.location), 'https://host/cpamp/').pathname).toBe('/cpamp/management.html');
  });

  it('serves the built @cpamp/panel file by default, or 503 with a fix when missing', async () => {
    t = await startTestApp();
    const res = await t.app.inject({ url: '/management.html' });
    expect([200, 503]).toContain(res.statusCode);
    if (res.statusCode === 503) expect(res.json()).toMatchObject({ code: 'panel_not_built' });
    await t.close();
    t = await startTestApp({ panelPath: '/nonexistent/management.html' });
    const missing = await t.app.inject({ url: '/management.html' });
    expect(missing.statusCode).toBe(503);
    expect(missing.json().error).toMatch(/PANEL_PATH/);
  });
});
