// `cpamp serve` sizes V8's heap for a server that keeps its data in typed arrays and SQLite (P6: server RSS
// ≤ 200 MB). Two growth policies are tightened at start-up; an operator's own flag for either wins.
// - Young generation: V8 doubles the new space (two semi-spaces) up to 2 × 16 MiB whenever enough objects
//   survive a scavenge: ~35 MiB of resident memory that bought nothing measurable. `--max-semi-space-size` can
//   only be given on the node command line; the growth factor is read each time V8 grows the space, so setting
//   it to 1 keeps the initial size.
// - Old generation: after each full GC V8 lets the heap grow by up to 4× the live size before the next one. The
//   views' per-request temporaries (breakdowns and filter options: a few MB each) are promoted early with the
//   small young generation, so the heap swung between ~35 and ~100 MiB. 50% growth per cycle kept the peak ~60 MiB
//   lower in the server bench at the same server CPU time; 20% saved a few MiB more for +16% CPU (GC).
import { setFlagsFromString } from 'node:v8';

const YOUNG_FLAGS = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;
const OLD_FLAGS = /--heap[-_]growing[-_]percent|--optimize[-_]for[-_]size/;
/** Old-generation growth per full GC, in percent of the live heap. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets the `serve` command's (the CLI's first argument) heap growth flags, each unless the node command line or
 * NODE_OPTIONS already gives one of its kind. Called before the server's modules load, so loading them does not
 * grow the heap first. Returns the flags set.
 */
export function tightenHeapGrowth(
  cliArgs: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  set: (flags: string) => void = setFlagsFromString,
): string[] {
  if (cliArgs[0] !== 'serve') return [];
  const given = (re: RegExp) => execArgv.some((a) => re.test(a)) || re.test(nodeOptions ?? '');
  const flags: string[] = [];
  if (!given(YOUNG_FLAGS)) flags.push('--semi-space-growth-factor=1');
  if (!given(OLD_FLAGS)) flags.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  for (const f of flags) set(f);
  return flags;
}
