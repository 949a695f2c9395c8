/** Closed set of collector failure codes; `status().lastError.code` uses the same union. */
export type CollectorErrorCode =
  | 'invalid-options'
  | 'already-started'
  | 'sink-failed'
  | 'spool-failed'
  | 'spool-corrupt'
  | 'transport-unsupported'
  | 'auth-rejected'
  | 'remote-disabled'
  | 'ip-banned'
  | 'cpa-unreachable'
  | 'cpa-error'
  | 'protocol-error'
  | 'subscriber-dropped'
  | 'stopped';

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  override readonly name: string = 'CollectorError';

  constructor(code: CollectorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A transport error whose meaning is "this CPA does not offer that transport" (auto mode falls through). */
export class CollectorUnsupportedError extends CollectorError {
  override readonly name = 'CollectorUnsupportedError';
  readonly transport: string;
  constructor(transport: string, message: string, options?: { cause?: unknown }) {
    super('transport-unsupported', message, options);
    this.transport = transport;
  }
}

/** CPA refused the management key / remote access / banned this IP: stop retrying until the key changes. */
export class CollectorAuthError extends CollectorError {
  override readonly name = 'CollectorAuthError';
  /** Epoch ms when CPA's IP ban ends, when CPA said so. */
  readonly bannedUntilMs: number | null;
  constructor(
    code: 'auth-rejected' | 'remote-disabled' | 'ip-banned',
    message: string,
    options?: { cause?: unknown; bannedUntilMs?: number | null },
  ) {
    super(code, message, options);
    this.bannedUntilMs = options?.bannedUntilMs ?? null;
  }
}

export function isCollectorError(e: unknown): e is CollectorError {
  return e instanceof CollectorError;
}
