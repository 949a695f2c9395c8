/**
 * A stable 32-hex key for one file (name, size, last change), so re-choosing the same file after a failed
 * upload finds the server's open import session and resumes at its `received_bytes`. Four FNV-1a passes
 * with different seeds: no crypto.subtle, which plain-http pages (non-secure contexts) do not have.
 */
export function resumeKey(file: { name: string; size: number; lastModified: number }): string {
  const text = `${file.name}\u0000${file.size}\u0000${file.lastModified}`;
  let out = '';
  for (const seed of [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b]) {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}
