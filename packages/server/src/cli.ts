#!/usr/bin/env node
// Entry of the `cpamp` bin: the only module with top-level effects (it is the program).
import { tightenHeapGrowth } from './cli/heap-growth';

// Before the server's modules load (dynamic imports below): see heap-growth.ts.
tightenHeapGrowth(process.argv.slice(2), process.execArgv, process.env.NODE_OPTIONS);
const { runCli } = await import('./cli/run-cli');
const { loadConfigFromProcess } = await import('./config');

// Everything cpamp writes (database, keys, spool, dead letters, exports) is for its owner only.
process.umask(0o077);

const io = { out: process.stdout, err: process.stderr, loadConfig: loadConfigFromProcess };

runCli(process.argv.slice(2), io).then(
  (result) => {
    if (result.stop) {
      // demo: stop both servers on a signal.
      const stop = result.stop;
      const onSignal = (): void => {
        stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      return;
    }
    if (!result.server) process.exitCode = result.code;
  },
  (error: unknown) => {
    process.stderr.write(`cpamp: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
