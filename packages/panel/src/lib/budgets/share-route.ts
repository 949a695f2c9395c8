// Is this document the read-only share page? Either the server served the panel at `<base>/share/<token>`,
// or the panel file was opened with `#/share/<token>`. Returns the token and the one API URL the share
// page may call (`<base>/v0/share/<token>`, beside the panel, so a reverse-proxy sub-path keeps working).
const TOKEN = '[A-Za-z0-9_-]{22}';
const PATH_RE = new RegExp(`^(.*/)share/(${TOKEN})/?$`);
const HASH_RE = new RegExp(`^#/share/(${TOKEN})$`);

export interface ShareRoute {
  token: string;
  apiUrl: string;
}

export function shareRouteOf(loc: Pick<Location, 'origin' | 'pathname' | 'hash'>): ShareRoute | null {
  const p = PATH_RE.exec(loc.pathname);
  if (p) return { token: p[2] as string, apiUrl: `${loc.origin}${p[1] as string}v0/share/${p[2] as string}` };
  const h = HASH_RE.exec(loc.hash);
  if (h) {
    const dir = loc.pathname.slice(0, loc.pathname.lastIndexOf('/') + 1) || '/';
    return { token: h[1] as string, apiUrl: `${loc.origin}${dir}v0/share/${h[1] as string}` };
  }
  return null;
}
