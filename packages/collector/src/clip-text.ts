/**
 * A message from elsewhere (CPA, the network stack) quoted inside ours: whole when it fits, else cut at the
 * end of its last whole sentence (or word) with an ellipsis, never mid-word. A trailing period is dropped
 * so the quoting sentence can close it.
 */
export function clipText(message: string, max: number): string {
  const s = message.trim().replace(/\s+/g, ' ');
  if (s.length <= max) return s.replace(/\.$/, '');
  const head = s.slice(0, max);
  const sentence = head.lastIndexOf('. ');
  if (sentence > max / 3) return head.slice(0, sentence);
  const word = head.lastIndexOf(' ');
  return `${(word > max / 3 ? head.slice(0, word) : head).replace(/[\s,;:(]+$/, '')}…`;
}
