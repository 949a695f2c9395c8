// A data key given to the server as a value (CPA_MANAGER_DATA_KEY / _FILE, CPAMP_DATA_KEY / _FILE) is checked
// at start-up like every other setting. Like CPA Manager Plus, any non-empty value is usable: a key form
// (64 hex characters, base64 of 32 bytes, 32 characters) is the key, any other text is turned into one with
// HKDF-SHA256 by the store — so only an empty value is an error here.
import { ConfigError } from './errors';

export function assertDataKeyValue(value: string, key: string): void {
  if (value.trim() !== '') return;
  throw new ConfigError(
    key,
    '(empty)',
    'the data key is empty',
    'set the key that encrypted the stored secrets (for a CPA Manager Plus data dir: the CPA_MANAGER_DATA_KEY Plus ran with), or unset the variable to use <dataDir>/data.key',
  );
}
