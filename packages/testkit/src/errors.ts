// Errors the testkit throws when a test harness misuses it (never for CPA behaviour, which is HTTP/RESP replies).

export type TestkitErrorCode =
  | 'unknown_oauth_state' // completeOAuth: no login session with that state (never started, cancelled, expired)
  | 'oauth_already_finished' // completeOAuth: the login already finished (ok or error)
  | 'resp_protocol_error' // RESP test client: the server sent bytes that are not a RESP reply
  | 'resp_connection_closed' // RESP test client: the connection closed before/while waiting for a reply
  | 'resp_timeout'; // RESP test client: no reply within the given time

export interface TestkitErrorOptions {
  cause?: unknown;
}

const BRAND = Symbol.for('@cpamp/testkit/TestkitError');

export class TestkitError extends Error {
  readonly code: TestkitErrorCode;
  readonly [BRAND] = true;

  constructor(code: TestkitErrorCode, message: string, options: TestkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TestkitError';
    this.code = code;
  }
}

/** True for any error thrown by the testkit (works across duplicated package copies). */
export function isTestkitError(value: unknown): value is TestkitError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
