// A data key given to the server as a value (CPA_MANAGER_DATA_KEY / _FILE, CPAMP_DATA_KEY / _FILE) is checked
// at start-up like every other setting: a bad one is a configuration error (exit 2) naming the variable,
// instead of a store failure later that talks about a key file.
import { ConfigError } from './errors';

/** The store reads a string key as 64 hex characters or base64; either must give 32 bytes. */
export function assertDataKeyValue(value: string, key: string): void {
  const text = value.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? 32 : Buffer.from(text, 'base64').length;
  if (bytes === 32) return;
  throw new ConfigError(
    key,
    `(${text.length} characters, not shown)`,
    `the data key decodes to ${bytes} bytes; it must be 32 bytes, given as 64 hex characters or base64`,
    'generate one with `openssl rand -hex 32`, or set the key that encrypted the stored secrets',
  );
}
