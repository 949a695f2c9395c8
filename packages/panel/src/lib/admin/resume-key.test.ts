import { describe, expect, it } from 'vitest';
import { resumeKey } from './resume-key';

describe('resumeKey', () => {
  it('is 32 hex characters, stable for the same file and different for another', () => {
    const a = resumeKey({ name: 'usage.jsonl', size: 1000, lastModified: 1 });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(resumeKey({ name: 'usage.jsonl', size: 1000, lastModified: 1 })).toBe(a);
    expect(resumeKey({ name: 'usage.jsonl', size: 1001, lastModified: 1 })).not.toBe(a);
    expect(resumeKey({ name: 'other.jsonl', size: 1000, lastModified: 1 })).not.toBe(a);
  });
});
