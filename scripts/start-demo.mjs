// `npm start`: the local demo. Runs `cpamp demo` once the server package provides it; until then the
// fake CPA from @cpamp/testkit with generated traffic.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const cli = `${root}packages/server/dist/cli.js`;
const args = existsSync(cli)
  ? [cli, 'demo', ...process.argv.slice(2)]
  : ['--import', 'tsx', `${root}packages/testkit/src/demo-cli.ts`, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
