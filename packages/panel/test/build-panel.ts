import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const PANEL_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltPanel {
  html: string;
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * Builds the panel with the real vite config into a private temp dir, so test files running in
 * parallel never race on dist/.
 */
export async function buildPanel(): Promise<BuiltPanel> {
  const dir = await mkdtemp(join(tmpdir(), 'cpamp-panel-'));
  // vitest sets NODE_ENV=test, which would make vite/svelte produce a development build: test the
  // production bundle that ships.
  const previous = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({
      root: PANEL_DIR,
      configFile: join(PANEL_DIR, 'vite.config.ts'),
      logLevel: 'silent',
      mode: 'production',
      build: { outDir: dir, emptyOutDir: true },
    });
  } finally {
    process.env['NODE_ENV'] = previous;
  }
  const html = await readFile(join(dir, 'management.html'), 'utf8');
  return { html, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
