/** Options every SDK call accepts. */
export interface CpaCallOptions {
  /** Aborts the request (and any retry wait); the call then rejects with a CpaError of code 'aborted'. */
  signal?: AbortSignal;
}
