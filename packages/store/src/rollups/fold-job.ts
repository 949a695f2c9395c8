import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StoreLogger } from '../types';
import type { FoldStep } from './fold-tier';

/**
 * The background fold of the deferred tiers (fold-tier.ts), for either dialect: every `intervalMs` it runs fold
 * steps until every group is caught up, yielding to the event loop between steps (one transaction each), so a
 * catch-up over days never blocks requests for long. Runs never overlap; errors are logged and retried next time.
 */
export function createFoldJob(deps: {
  step: () => FoldStep | null | Promise<FoldStep | null>;
  logger: StoreLogger;
}): { run(): Promise<number>; schedule(intervalMs: number): { stop(): void }; idle(): Promise<void> } {
  let running: Promise<number> | null = null;
  const loop = async (): Promise<number> => {
    let steps = 0;
    const t0 = performance.now();
    for (;;) {
      const s = await deps.step();
      if (!s) break;
      steps++;
      if (!s.more) continue;
      await yieldToLoop();
    }
    if (steps > 1)
      deps.logger.info(
        { steps, ms: Math.round(performance.now() - t0) },
        'store folded deferred rollup tiers',
      );
    return steps;
  };
  const run = (): Promise<number> => {
    if (!running)
      running = loop().finally(() => {
        running = null;
      });
    return running;
  };
  return {
    run,
    schedule(intervalMs) {
      const timer = setInterval(() => {
        run().catch((e: unknown) => deps.logger.warn({ err: e }, 'store rollup fold failed; will retry'));
      }, intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
    idle: async () => {
      await running?.catch(() => {});
    },
  };
}
