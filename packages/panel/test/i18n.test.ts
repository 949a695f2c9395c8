import { describe, expect, it } from 'vitest';
import { LOCALES, matchLocale, MESSAGES } from '../src/lib/i18n';

type Tree = { [k: string]: unknown };

function leaves(obj: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [p, t] of leaves(v as Tree, path)) out.set(p, t);
    else out.set(path, typeof v);
  }
  return out;
}

describe('i18n', () => {
  const reference = leaves(MESSAGES.en as unknown as Tree);

  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every key of en, with the same kind of value', (id) => {
    const mine = leaves(MESSAGES[id] as unknown as Tree);
    const missing = [...reference.keys()].filter((k) => !mine.has(k));
    const extra = [...mine.keys()].filter((k) => !reference.has(k));
    const wrongKind = [...reference].filter(([k, kind]) => mine.has(k) && mine.get(k) !== kind).map(([k]) => k);
    expect({ missing, extra, wrongKind }).toEqual({ missing: [], extra: [], wrongKind: [] });
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s is actually translated (not a copy of en)', (id) => {
    const en = MESSAGES.en as unknown as Tree;
    const mine = MESSAGES[id] as unknown as Tree;
    let same = 0;
    let total = 0;
    const walk = (a: Tree, b: Tree) => {
      for (const [k, v] of Object.entries(a)) {
        if (v && typeof v === 'object') walk(v as Tree, b[k] as Tree);
        else if (typeof v === 'string') {
          total++;
          if (b[k] === v) same++;
        }
      }
    };
    walk(en, mine);
    // Product names and file names ('cpamp', 'config.yaml', 'CPA') legitimately stay the same.
    expect(same / total).toBeLessThan(0.1);
  });

  it('every message is non-empty and every template returns text', () => {
    for (const id of LOCALES) {
      const walk = (o: Tree) => {
        for (const v of Object.values(o)) {
          if (typeof v === 'function') expect((v as (p: Record<string, unknown>) => string)({ n: 2, wait: '1m', url: 'u', version: 'v', shown: 1, total: 2, added: 1, removed: 1, name: 'x', pct: '5' })).not.toBe('');
          else if (typeof v === 'string') expect(v.trim()).not.toBe('');
          else if (v && typeof v === 'object') walk(v as Tree);
        }
      };
      walk(MESSAGES[id] as unknown as Tree);
    }
  });

  it('picks a locale from the browser preference list', () => {
    expect(matchLocale(['zh-HK', 'en'])).toBe('zh-TW');
    expect(matchLocale(['zh'])).toBe('zh-CN');
    expect(matchLocale(['ru-RU'])).toBe('ru');
    expect(matchLocale(['de-DE'])).toBe('en');
  });
});
