/** Closed set of collector failure codes; `status().lastError.code` uses the same union. */
export type CollectorErrorCode =
  | 'invalid_options' // createCollector got unusable options (no sink, no CPA client or URL+key, unknown mode, bad sizes)
  | 'already_started' // start() on a collector that is already running
  | 'sink_failed' // the store could not commit a batch; records are held in memory, then spooled, and retried
  | 'spool_failed' // the spool file in the data directory could not be written or read
  | 'transport_unsupported' // this CPA (version or network path) does not offer the chosen transport; auto mode falls through
  | 'auth_rejected' // CPA refused the management key; retries pause until the key changes
  | 'remote_disabled' // CPA accepts management calls only from localhost (remote-management.allow-remote is false)
  | 'ip_banned' // CPA banned this IP after failed logins; retries wait for the ban to end
  | 'cpa_unreachable' // CPA cannot be reached at the configured URL; retried with backoff
  | 'cpa_error' // CPA answered with an error or a transport ended unexpectedly; retried with backoff
  | 'protocol_error' // CPA sent something the collector does not understand
  | 'subscriber_dropped'; // CPA closed the usage subscription (slow subscriber, restart, network); resubscribes and records a gap

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
    super('transport_unsupported', message, options);
    this.transport = transport;
  }
}

/** CPA refused the management key / remote access / banned this IP: stop retrying until the key changes. */
export class CollectorAuthError extends CollectorError {
  override readonly name = 'CollectorAuthError';
  /** Epoch ms when CPA's IP ban ends, when CPA said so. */
  readonly bannedUntilMs: number | null;
  constructor(
    code: 'auth_rejected' | 'remote_disabled' | 'ip_banned',
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
