import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import @cpamp/* from source, so no build is needed to run them.
const alias = {
  '@cpamp/sdk-cpa': src('sdk-cpa'),
  '@cpamp/store': src('store'),
  '@cpamp/collector': src('collector'),
  '@cpamp/server': src('server'),
  '@cpamp/testkit': src('testkit'),
};

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: {
    name,
    root: `./packages/${name}`,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    ...extra,
  },
});

export default defineConfig({
  test: {
    // Vitest's default is one worker per core minus one: a single worker on a 2-core box. Most files wait on
    // a browser, a child server or a socket rather than the CPU, so two workers halve the wall time there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      project('sdk-cpa'),
      project('store'),
      project('collector'),
      project('server'),
      project('panel'),
      project('testkit'),
      {
        resolve: { alias },
        test: { name: 'repo', root: '.', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
      },
    ],
  },
});
