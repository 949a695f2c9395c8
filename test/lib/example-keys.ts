/**
 * Key paths of a CPA config.example.yaml, including keys the example shows commented out ("# streaming:").
 * A commented line counts by its indentation after the "#", so a commented key inside a live block
 * ("  # disable-auto-update-panel: false") lands under that block. List items add no path segment.
 */
export function exampleKeyPaths(text: string): string[] {
  const stack: { indent: number; key: string }[] = [];
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const m = /^( *)(?:# ?)?( *)(.*)$/.exec(raw);
    if (!m || raw.trim() === '' || raw.trim() === '#') continue;
    let indent = (m[1] ?? '').length + (m[2] ?? '').length;
    let body = m[3] ?? '';
    if (body.startsWith('#')) continue; // a comment inside a commented block
    if (body.startsWith('- ')) {
      indent += 2;
      body = body.slice(2);
    }
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const key = /^([a-z][a-z0-9-]*):(?:\s|$)/.exec(body)?.[1];
    if (!key) continue; // prose or a list value: it only closes deeper blocks
    if (indent > 0 && stack.length === 0) continue; // an indented example inside prose
    const path = [...stack.map((s) => s.key), key].join('.');
    out.add(path);
    stack.push({ indent, key });
  }
  return [...out];
}
