import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FLAGS, KNOWN_FILE_KEYS } from './config';
import { CONFIG_KEYS } from './config-keys';

describe('CONFIG_KEYS (the documented key table)', () => {
  const documentedEnv = new Set(CONFIG_KEYS.flatMap((k) => k.envVars));
  const documentedText = CONFIG_KEYS.map((k) => `${k.file} ${k.flag}`).join(' ');

  it('names every environment variable config.ts reads', () => {
    const source = readFileSync(join(import.meta.dirname, 'config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/'((?:CPA|CPAMP|USAGE|HTTP|PANEL|LOG)_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    // *_FILE variants are derived in config.ts (`${name}_FILE`), so they appear as the base name there.
    const missing = [...read].filter((name) => !documentedEnv.has(name));
    expect(missing).toEqual([]);
    expect([...documentedEnv].filter((name) => !name.endsWith('_FILE') && !read.has(name))).toEqual([]);
  });

  it('names every config-file key and every flag', () => {
    expect([...KNOWN_FILE_KEYS].filter((k) => !documentedText.includes(`\`${k}\``))).toEqual([]);
    expect(Object.keys(CONFIG_FLAGS).filter((f) => !documentedText.includes(`\`--${f}\``))).toEqual([]);
  });
});
