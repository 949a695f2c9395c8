import { isAbort } from '../api/errors';

/**
 * One async value with loading / error / data states. A new load aborts the previous one, so a slow
 * call never overwrites a newer answer, and the page renders immediately with whatever it has.
 */
export class Resource<T> {
  data = $state<T | undefined>(undefined);
  error = $state<unknown>(null);
  loading = $state(false);
  loadedAt = $state<number | null>(null);
  #ctrl: AbortController | null = null;
  readonly #fn: (signal: AbortSignal) => Promise<T>;
  readonly #onData: ((value: T) => void) | undefined;

  /** `onData` runs after each successful load, e.g. to reset an edit draft from fresh data. */
  constructor(fn: (signal: AbortSignal) => Promise<T>, onData?: (value: T) => void) {
    this.#fn = fn;
    this.#onData = onData;
  }

  async load(): Promise<void> {
    this.#ctrl?.abort();
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    this.loading = true;
    try {
      const value = await this.#fn(ctrl.signal);
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

  abort(): void {
    this.#ctrl?.abort();
    this.#ctrl = null;
    this.loading = false;
  }
}
