import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// One self-contained file: CPA hosts it at /management.html, cpamp serves it the same way.
// No external requests: system fonts, inline SVG icons, every asset inlined.
export default defineConfig(({ command }) => ({
  // The build swaps classic zod for a facade over zod/mini (same parser, 17 kB gzip less); see zod-lite.ts.
  resolve: command === 'build' ? { alias: [{ find: /^zod$/, replacement: fileURLToPath(new URL('./src/lib/api/zod-lite.ts', import.meta.url)) }] } : {},
  plugins: [svelte(), viteSingleFile({ removeViteModuleLoader: true })],
  define: { __PANEL_VERSION__: JSON.stringify(pkg.version) },
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 100_000_000,
    cssCodeSplit: false,
    rollupOptions: { input: 'management.html' },
  },
}));
