import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/main.ts'], compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  // testkit is private and ships TypeScript source: bundle it for `cpamp demo`; its dependency yaml stays
  // external (a server dependency), since bundling that CommonJS package into ESM breaks its requires.
  noExternal: ['@cpamp/testkit'],
});
