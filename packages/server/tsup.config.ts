import { build, defineConfig, type Options } from 'tsup';

// The `cpamp` bin is built as one self-contained bundle (every pure-JS dependency inlined): a cold start
// loads a handful of files instead of ~1,000 modules, which halves the time to the first /health (the "cold start ≤ 1 s" target, docs/design.md).
// Native and optional packages stay external, and so do the package's own public entries (index.js,
// main.js), which remain ordinary ESM over the declared dependencies for embedders.
const binExternal = [
  'better-sqlite3', // native addon
  // optional peers some bundled packages probe for with require(); absent at run time is fine
  'pino-pretty',
  'bufferutil',
  'utf-8-validate',
];

const bin: Options = {
  config: false,
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: false,
  dts: false,
  splitting: true,
  // tsup checks noExternal before external: everything except the names above is inlined.
  noExternal: [new RegExp(`^(?!(${binExternal.join('|')})(/|$))`)],
  external: binExternal,
  // CommonJS dependencies (fastify, pino, yaml, ioredis…) use require() for Node built-ins and __dirname:
  // give every ESM chunk of the bundle those CommonJS locals.
  banner: {
    js: [
      "import { createRequire as __cpampCreateRequire } from 'node:module';",
      "import { fileURLToPath as __cpampFileUrlToPath } from 'node:url';",
      "import { dirname as __cpampDirname } from 'node:path';",
      'const require = __cpampCreateRequire(import.meta.url);',
      'const __filename = __cpampFileUrlToPath(import.meta.url);',
      'const __dirname = __cpampDirname(__filename);',
    ].join('\n'),
  },
  esbuildOptions(options) {
    options.chunkNames = 'cli-[name]-[hash]';
  },
};

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
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
  // After the library (and its clean): the bin bundle, into the same dist/.
  onSuccess: async () => {
    await build(bin);
  },
});
