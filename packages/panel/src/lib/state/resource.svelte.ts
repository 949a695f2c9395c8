import { isAbort } from '../api/errors';

/** What a view of a Resource needs, whatever its load arguments: its state and a retry. */
export interface ResourceState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): Promise<void>;
}

/**
 * One async value with loading / error / data states. A new load aborts the previous one, so a slow
 * call never overwrites a newer answer, and the page renders immediately with whatever it has.
 * `load(...args)` hands its arguments to the loader: an `$effect` that calls `load(filters.query)` reads
 * (and so re-runs on) exactly what the loader is given.
 */
export class Resource<T, A extends unknown[] = []> implements ResourceState<T> {
  data = $state<T | undefined>(undefined);
  error = $state<unknown>(null);
  loading = $state(false);
  loadedAt = $state<number | null>(null);
  #ctrl: AbortController | null = null;
  #args: A | null = null;
  readonly #fn: (signal: AbortSignal, ...args: A) => Promise<T>;
  readonly #onData: ((value: T) => void) | undefined;

  /** `onData` runs after each successful load, e.g. to reset an edit draft from fresh data. */
  constructor(fn: (signal: AbortSignal, ...args: A) => Promise<T>, onData?: (value: T) => void) {
    this.#fn = fn;
    this.#onData = onData;
  }

  async load(...args: A): Promise<void> {
    this.#args = args;
    this.#ctrl?.abort();
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    this.loading = true;
    try {
      const value = await this.#fn(ctrl.signal, ...args);
      if (ctrl.signal.aborted) return;
      this.data = value;
      this.error = null;
      this.loadedAt = Date.now();
      this.#onData?.(value);
    } catch (e) {
      if (ctrl.signal.aborted || isAbort(e)) return;
      this.error = e;
    } finally {
      if (this.#ctrl === ctrl) {
        this.loading = false;
        this.#ctrl = null;
      }
    }
  }

  /** The last load again, with the same arguments (a retry button); nothing before the first load. */
  reload(): Promise<void> {
    return this.#args ? this.load(...this.#args) : Promise.resolve();
  }

  abort(): void {
    this.#ctrl?.abort();
    this.#ctrl = null;
    this.loading = false;
  }
}
