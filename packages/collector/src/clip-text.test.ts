import { describe, expect, it } from 'vitest';
import { clipText } from './clip-text';

describe('clipText', () => {
  it('keeps a message that fits, without its final period', () => {
    expect(clipText('connect ECONNREFUSED 127.0.0.1:9.', 160)).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });

  it('cuts a long message after its last whole sentence, never mid-word', () => {
    const msg = 'Cannot reach CPA at http://127.0.0.1:9/x (ECONNREFUSED). Check that CPA is running and that baseUrl points to it (scheme, host, port, path prefix).';
    expect(clipText(msg, 100)).toBe('Cannot reach CPA at http://127.0.0.1:9/x (ECONNREFUSED)');
    const words = 'word '.repeat(50);
    const cut = clipText(words, 42);
    expect(cut.endsWith('word…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(43);
  });
});
