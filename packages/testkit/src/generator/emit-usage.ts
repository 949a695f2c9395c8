/** Pushes records into a fake CPA at a steady rate, the way CPA's usage plugin would publish them. */

const UNLIMITED_BURST = 1000;

/** What emitUsage needs from the fake CPA. */
export interface UsageTarget {
  enqueueUsage(record: object | string): void;
}

export interface EmitUsageOptions {
  /**
   * Records per second (> 0). Records are batched per tick; the total tracks elapsed time exactly.
   * `Infinity` emits as fast as possible, yielding to the event loop every 1,000 records.
   */
  ratePerSecond: number;
  /** Stops emitting; the promise then resolves with what was emitted so far. */
  signal?: AbortSignal;
  /** Tick length in ms (default: 50, or longer for slow rates so a tick carries at least one record). */
  tickMs?: number;
}

export interface EmitUsageResult {
  emitted: number;
  /** True when stopped by the signal before the records ran out. */
  aborted: boolean;
}

/**
 * Emits `records` into `fake` at `ratePerSecond`. Resolves when the iterable is exhausted or the signal
 * aborts; never rejects for an abort. An error thrown by the iterable or by enqueueUsage rejects.
 */
export function emitUsage(
  fake: UsageTarget,
  records: Iterable<object>,
  options: EmitUsageOptions,
): Promise<EmitUsageResult> {
  const rate = options.ratePerSecond;
  if (!(typeof rate === 'number' && rate > 0)) {
    return Promise.reject(
      new RangeError(`emitUsage: ratePerSecond must be a positive number (got ${String(rate)})`),
    );
  }
  const unlimited = rate === Number.POSITIVE_INFINITY;
  const tickMs = options.tickMs ?? Math.min(1000, Math.max(50, Math.ceil(1000 / rate)));
  const signal = options.signal;
  const iterator = records[Symbol.iterator]();
  let emitted = 0;

  return new Promise<EmitUsageResult>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let immediate: ReturnType<typeof setImmediate> | undefined;
    let done = false;
    const started = performance.now();

    const finish = (aborted: boolean): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
      signal?.removeEventListener('abort', onAbort);
      try {
        iterator.return?.();
      } catch {
        // The iterator's own cleanup failing does not change what was emitted.
      }
      resolve({ emitted, aborted });
    };
    const onAbort = (): void => finish(true);

    const tick = (): void => {
      timer = undefined;
      immediate = undefined;
      if (done) return;
      try {
        const elapsed = performance.now() - started;
        // Due = what should have been emitted by now (plus the first record at t=0).
        const due = unlimited ? emitted + UNLIMITED_BURST : Math.floor((elapsed * rate) / 1000) + 1;
        while (emitted < due) {
          if (signal?.aborted) return finish(true);
          const next = iterator.next();
          if (next.done) return finish(false);
          fake.enqueueUsage(next.value);
          emitted++;
        }
      } catch (err) {
        done = true;
        signal?.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(`emitUsage: ${String(err)}`));
        return;
      }
      if (unlimited) {
        immediate = setImmediate(tick);
        return;
      }
      // Align the next tick with the schedule so drift does not accumulate.
      const elapsedAfter = performance.now() - started;
      const nextAt = Math.ceil((elapsedAfter + 1) / tickMs) * tickMs;
      timer = setTimeout(tick, Math.max(1, nextAt - elapsedAfter));
    };

    if (signal?.aborted) {
      finish(true);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}
