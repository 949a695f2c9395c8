// Where a bench's figures go: `bench/results/<name>.json`, with the machine they were measured on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** The `machine` block of the server, store, collector and scale results (memory in GiB). */
export function benchMachine(): { cpus: number; cpu: string | undefined; memGb: number; node: string } {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** The `machine` block of the migration benches: memory in GB of 10⁹ bytes, as in their earlier results. */
export function migrationBenchMachine(
  loadAvg1mAtStart: number,
  note: string,
): { cpus: number; memGb: number; node: string; loadAvg1mAtStart: number; note: string } {
  return { cpus: cpus().length, memGb: Math.round(totalmem() / 1e9), node: process.version, loadAvg1mAtStart, note };
}

/** Writes `bench/results/<name>.json` (2-space JSON, newline-terminated); returns its repo-relative path. */
export function writeBenchResult(name: string, data: unknown): string {
  const rel = `bench/results/${name}.json`;
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, rel), `${JSON.stringify(data, null, 2)}\n`);
  return rel;
}
