#!/usr/bin/env node
// The `cpamp` bin. A committed file, so npm links it on `npm ci` in a fresh clone (npm links a
// workspace bin only when its target exists at install time); it runs the built CLI in dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'cpamp: the CLI is not built (packages/server/dist/cli.js is missing): run `npm run build` first.\n',
  );
  process.exit(1);
}
await import(cli.href);
