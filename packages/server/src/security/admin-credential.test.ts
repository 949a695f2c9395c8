import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminAuthenticator, credentialPath, ensureAdminKey, generateAdminKey, readCredential, resetAdminKey } from './admin-credential';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'cpamp-cred-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('admin credential', () => {
  it('generates cpamp_ + 32 alphanumerics, all different', () => {
    const keys = new Set(Array.from({ length: 50 }, generateAdminKey));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^cpamp_[0-9A-Za-z]{32}$/);
  });

  it('first start generates and stores only a salted scrypt hash (0600)', async () => {
    const dir = temp();
    const first = await ensureAdminKey(dir, null, 1);
    expect(first.action).toBe('generated');
    const key = first.generatedKey as string;
    const text = readFileSync(credentialPath(dir), 'utf8');
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({ algorithm: 'scrypt', source: 'generated' });
    expect(statSync(credentialPath(dir)).mode & 0o777).toBe(0o600);
    expect(await first.authenticator.verify(key)).toBe(true);
    expect(await first.authenticator.verify(`${key}x`)).toBe(false);
    expect(await first.authenticator.verify('')).toBe(false);
    const second = await ensureAdminKey(dir, null, 2);
    expect(second).toMatchObject({ action: 'existing', generatedKey: null });
    expect(await second.authenticator.verify(key)).toBe(true);
  });

  it('takes a supplied key, and a changed supplied key replaces the stored hash', async () => {
    const dir = temp();
    expect((await ensureAdminKey(dir, 'supplied-key-123456', 1)).action).toBe('from-env');
    expect((await ensureAdminKey(dir, 'supplied-key-123456', 2)).action).toBe('existing');
    const changed = await ensureAdminKey(dir, 'another-key-7654321', 3);
    expect(changed.action).toBe('updated-from-env');
    expect(await changed.authenticator.verify('another-key-7654321')).toBe(true);
    expect(await changed.authenticator.verify('supplied-key-123456')).toBe(false);
    expect(readCredential(dir)?.createdAtMs).toBe(1);
  });

  it('reset writes a new key; the old one stops working', async () => {
    const dir = temp();
    const old = (await ensureAdminKey(dir, null, 1)).generatedKey as string;
    const { generatedKey } = await resetAdminKey(dir, null, 5);
    const auth = createAdminAuthenticator(readCredential(dir)!);
    expect(await auth.verify(generatedKey as string)).toBe(true);
    expect(await auth.verify(old)).toBe(false);
    expect(readCredential(dir)).toMatchObject({ source: 'cli-generated', createdAtMs: 1, rotatedAtMs: 5 });
  });

  it('names a corrupted credential and the fix', async () => {
    const dir = temp();
    writeFileSync(credentialPath(dir), '{"version":1}');
    expect(() => readCredential(dir)).toThrow(/reset-admin-key/);
  });
});
