// Exponential backoff 1 s → 30 s with ±20 % jitter (so several collectors do not retry in lockstep).

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** 0…1 source for jitter; injectable for deterministic tests. */
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;
  /** The delay most recently handed out (0 after reset). */
  current = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const jitter = 1 + (this.random() * 0.4 - 0.2);
    this.current = Math.max(1, Math.min(this.maxMs, Math.round(base * jitter)));
    return this.current;
  }

  reset(): void {
    this.attempt = 0;
    this.current = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Resolves after ms, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
