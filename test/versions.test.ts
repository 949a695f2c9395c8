// One version for every published package (the changesets fixed group), and every place that shows it
// reads it from package.json: `cpamp --version`, /health, /openapi.json (server) and the panel's System page.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../packages/server/src/version';

const root = new URL('..', import.meta.url).pathname;
interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}
const manifests: Manifest[] = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest);
const published = manifests.filter((m) => !m.private);
const server = published.find((m) => m.name === '@cpamp/server')!;

describe('versions', () => {
  it('every published package has the same real version', () => {
    expect(published.map((m) => m.name).sort()).toEqual([
      '@cpamp/collector',
      '@cpamp/panel',
      '@cpamp/sdk-cpa',
      '@cpamp/server',
      '@cpamp/store',
    ]);
    for (const m of published) expect(m.version, m.name).toBe(server.version);
    expect(server.version).not.toBe('0.0.0');
  });

  it('published packages depend on each other at exactly that version', () => {
    for (const m of published) {
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
        if (dep.startsWith('@cpamp/')) expect(range, `${m.name} -> ${dep}`).toBe(server.version);
      }
    }
  });

  it('the server reports its package.json version', () => {
    expect(packageVersion()).toBe(server.version);
  });

  it('the built panel carries the same version', () => {
    const html = join(root, 'packages', 'panel', 'dist', 'management.html');
    if (!existsSync(html)) return; // built by `npm test` before vitest; `vitest run` alone may run unbuilt
    // vite inlines __PANEL_VERSION__ as a string literal (quotes or backticks).
    const literal = new RegExp(`[\`"']${server.version.replaceAll('.', '\\.')}[\`"']`);
    expect(readFileSync(html, 'utf8')).toMatch(literal);
  });
});
