import { describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_CACHE_MB, sqliteCacheKib } from '../src/sqlite-cache-size';

describe('sqliteCacheKib', () => {
  it('gives the writer the setting and the reader half of it', () => {
    expect(DEFAULT_SQLITE_CACHE_MB).toBe(16);
    expect(sqliteCacheKib()).toEqual({ writer: 16_384, reader: 8_192 });
    expect(sqliteCacheKib(64)).toEqual({ writer: 65_536, reader: 32_768 });
  });

  it('keeps at least 1 MiB per connection', () => {
    expect(sqliteCacheKib(1)).toEqual({ writer: 1_024, reader: 1_024 });
    expect(sqliteCacheKib(0)).toEqual({ writer: 1_024, reader: 1_024 });
    expect(sqliteCacheKib(Number.NaN)).toEqual({ writer: 16_384, reader: 8_192 });
  });
});
