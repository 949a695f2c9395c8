import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEDUP_BYTES, dedupBytes, dedupKeyOf } from './event-codec';

const H64 = createHash('sha256').update('attempt').digest('hex');
const T = Date.UTC(2026, 11, 7, 15, 4, 59, 999);

describe('dedup key (11 bytes)', () => {
  it('is the minute since 2020 in 3 bytes, then the first 8 bytes of a hex key', () => {
    const b = dedupBytes(H64, T);
    expect(b).toHaveLength(DEDUP_BYTES);
    expect(b.readUIntBE(0, 3)).toBe(Math.floor((T - Date.UTC(2020, 0, 1)) / 60_000));
    expect(b.toString('hex', 3)).toBe(H64.slice(0, 16));
    expect(dedupKeyOf(b)).toBe(H64.slice(0, 16));
  });

  it('takes the 16 hex of a new export and the 24 of an old one as the same hash; hashes other keys', () => {
    const b = dedupBytes(H64, T);
    expect(dedupBytes(H64.slice(0, 16), T)).toEqual(b);
    expect(dedupBytes(H64.slice(0, 24).toUpperCase(), T)).toEqual(b);
    // 17-23 hex characters were hashed before 0032 and still are.
    const k20 = H64.slice(0, 20);
    expect(dedupBytes(k20, T).toString('hex', 3)).toBe(
      createHash('sha256').update(k20).digest('hex').slice(0, 16),
    );
    expect(dedupBytes('mig-1', T).toString('hex', 3)).toBe(
      createHash('sha256').update('mig-1').digest('hex').slice(0, 16),
    );
  });

  it('differs by minute; clamps before 2020 and after the 3-byte range', () => {
    expect(dedupBytes(H64, T)).toEqual(dedupBytes(H64, T - 59_999));
    expect(dedupBytes(H64, T + 1).equals(dedupBytes(H64, T))).toBe(false);
    expect(dedupBytes(H64, Date.UTC(2019, 0, 1)).readUIntBE(0, 3)).toBe(0);
    expect(dedupBytes(H64, -5).readUIntBE(0, 3)).toBe(0);
    expect(dedupBytes(H64, Date.UTC(2060, 0, 1)).readUIntBE(0, 3)).toBe(0xffffff);
  });

  it('reads a value still in the 16-byte form (4-byte minute + 12 hash bytes) as the same 16 hex', () => {
    const old = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from(H64.slice(0, 24), 'hex')]);
    expect(dedupKeyOf(old)).toBe(H64.slice(0, 16));
  });
});
