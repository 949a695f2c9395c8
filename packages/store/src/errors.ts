/** Closed set of failure codes the store reports; the server maps them to HTTP statuses. */
export type StoreErrorCode =
  | 'open_failed'
  | 'migration_failed'
  | 'data_key_invalid'
  | 'data_key_mismatch'
  | 'store_closed'
  | 'invalid_event'
  | 'invalid_time_zone'
  | 'invalid_query'
  | 'invalid_price'
  | 'price_source_failed'
  | 'import_parse_error'
  | 'import_format_unknown'
  | 'import_no_details'
  | 'import_source_invalid'
  | 'write_failed'
  | 'migrate_refused'; // cpamp migrate --to: the Postgres target holds data that did not come from this SQLite database

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Raised while importing a file: carries the 1-based line (or record) number that failed. */
export class StoreImportError extends StoreError {
  readonly line: number;
  readonly committed: number;

  constructor(message: string, line: number, committed: number, options?: { cause?: unknown }) {
    super('import_parse_error', message, options);
    this.line = line;
    this.committed = committed;
  }
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}
