/**
 * `npm start` fallback until the server ships `cpamp demo`: a fake CPA on 127.0.0.1 with the generated
 * account pool and a steady trickle of generated usage records, stamped with the current time.
 *
 *   node --import tsx packages/testkit/src/demo-cli.ts [--rate 3] [--seed demo] [--key demo-management-key]
 */
import { generateAccountPool, generateProviderConfig } from './generator/accounts';
import { emitUsage } from './generator/emit-usage';
import { generateUsage } from './generator/generate-usage';
import { formatCpaTimestamp, timestampOffsetMinutes } from './generator/timestamp';
import type { CpaUsageRecord } from './generator/types';
import { startFakeCpa } from './fake-cpa/server';

interface DemoArgs {
  rate: number;
  seed: string;
  key: string;
  accounts: number;
}

function parseArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = { rate: 3, seed: 'cpamp-demo', key: 'demo-management-key', accounts: 200 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--rate' && value) args.rate = Number(value);
    else if (flag === '--seed' && value) args.seed = value;
    else if (flag === '--key' && value) args.key = value;
    else if (flag === '--accounts' && value) args.accounts = Number(value);
    else continue;
    i++;
  }
  if (!(args.rate > 0))
    throw new RangeError(
      `demo: --rate must be a positive number of records per second (got ${String(args.rate)})`,
    );
  if (!Number.isInteger(args.accounts) || args.accounts < 4)
    throw new RangeError('demo: --accounts must be an integer >= 4');
  return args;
}

/** The generated records, re-stamped "now" (keeping each record's server offset) so the demo looks live. */
function* liveRecords(seed: string, accounts: number): Generator<CpaUsageRecord> {
  for (let round = 0; ; round++) {
    for (const record of generateUsage({
      seed: `${seed}#${round}`,
      events: 100_000,
      days: 7,
      accounts,
      keys: 40,
    })) {
      yield {
        ...record,
        timestamp: formatCpaTimestamp(Date.now(), timestampOffsetMinutes(record.timestamp)),
      };
    }
  }
}

async function putList(url: string, key: string, list: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/v0/management/${list}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok)
    throw new Error(
      `demo: PUT /v0/management/${list} answered ${res.status}; the fake CPA did not accept the provider list`,
    );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pool = generateAccountPool({ seed: args.seed, accounts: args.accounts });
  const fake = await startFakeCpa({
    managementKey: args.key,
    retentionSeconds: 3600,
    authFiles: pool.flatMap((a) => (a.file ? [a.file] : [])),
  });
  const lists = generateProviderConfig({ seed: args.seed, accounts: args.accounts });
  for (const [list, entries] of Object.entries(lists)) await putList(fake.url, args.key, list, entries);

  const hostPort = fake.url.replace(/^https?:\/\//, '');
  const [host, port] = [hostPort.split(':')[0] ?? '127.0.0.1', String(fake.port)];
  process.stdout.write(
    [
      '',
      'cpamp demo (fake CPA with generated traffic)',
      `  CPA URL          ${fake.url}`,
      `  management key   ${args.key}`,
      `  accounts         ${pool.length} (${pool.filter((a) => a.file).length} auth files)`,
      `  traffic          ${args.rate} records/s into the usage queue (kept ${3600} s)`,
      '',
      'Pop records over HTTP:',
      `  curl -H 'Authorization: Bearer ${args.key}' '${fake.url}/v0/management/usage-queue?count=10'`,
      'or over RESP (same port):',
      `  redis-cli -h ${host} -p ${port} -a ${args.key} --no-auth-warning RPOP usage 10`,
      `  redis-cli -h ${host} -p ${port} -a ${args.key} --no-auth-warning SUBSCRIBE usage`,
      '',
      'Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  const controller = new AbortController();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const { emitted } = await emitUsage(fake, liveRecords(args.seed, args.accounts), {
    ratePerSecond: args.rate,
    signal: controller.signal,
  });
  await fake.close();
  process.stdout.write(`\nstopped after ${emitted} records\n`);
  // Idle keep-alive sockets of the set-up requests would hold the process for a few more seconds.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
