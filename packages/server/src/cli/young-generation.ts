// `cpamp serve` keeps V8's young generation at its initial size (P6: server RSS ≤ 200 MB). V8 doubles the
// new space (two semi-spaces) up to 2 × 16 MiB whenever enough objects survive a scavenge; a server holds
// its data in typed arrays and SQLite, so the grown young generation was ~35 MiB of resident memory that
// bought nothing measurable. `--max-semi-space-size` can only be given on the node command line; the growth
// factor is read each time V8 grows the space, so setting it to 1 at start-up keeps the initial size.
import { setFlagsFromString } from 'node:v8';

/** The node flags that size the young generation: when the operator gives one, theirs wins. */
const OPERATOR_FLAGS = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;

/**
 * Stops young-generation growth for the `serve` command (the CLI's first argument) unless the node command
 * line or NODE_OPTIONS already sizes it. Called before the server's modules load, so loading them does not
 * grow it first. Returns whether the flag was set.
 */
export function capYoungGeneration(
  cliArgs: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  set: (flags: string) => void = setFlagsFromString,
): boolean {
  if (cliArgs[0] !== 'serve') return false;
  if (execArgv.some((a) => OPERATOR_FLAGS.test(a)) || OPERATOR_FLAGS.test(nodeOptions ?? '')) return false;
  set('--semi-space-growth-factor=1');
  return true;
}
