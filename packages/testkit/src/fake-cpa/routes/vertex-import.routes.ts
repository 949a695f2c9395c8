/** POST /vertex/import: a Google service-account JSON becomes a `vertex-<project>.json` auth file (vertex_import.go). */
import { createPrivateKey } from 'node:crypto';
import { isObject, type RouteCtx, type Router } from '../http-kit';
import { parseMultipartForm } from '../multipart';
import { FAKE_AUTH_DIR, type JsonObject } from '../state';

/** CPA re-encodes the key as a PKCS#1 "RSA PRIVATE KEY" block and rejects non-RSA or non-PEM keys. */
function normalizePrivateKey(raw: unknown): { pem: string } | { error: string } {
  if (typeof raw !== 'string' || raw.trim() === '') return { error: 'service account missing private_key' };
  let key;
  try {
    key = createPrivateKey({ key: raw.replace(/\r\n?/g, '\n').trim(), format: 'pem' });
  } catch (e) {
    return { error: `private_key is not valid pem: ${(e as Error).message}` };
  }
  if (key.asymmetricKeyType !== 'rsa') return { error: 'private_key is not an RSA private key' };
  return { pem: key.export({ type: 'pkcs1', format: 'pem' }).toString() };
}

function asString(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** sanitizeVertexFilePart: path separators and colons become "_", spaces "-". */
function filePart(projectId: string): string {
  const out = projectId
    .trim()
    .replace(/[/\\:]/g, '_')
    .replace(/ /g, '-');
  return out === '' ? 'vertex' : out;
}

async function importVertex(ctx: RouteCtx): Promise<void> {
  const ct = ctx.req.headers['content-type'] ?? '';
  const body = await ctx.body();
  const form = ct.toLowerCase().startsWith('multipart/form-data') ? parseMultipartForm(body, ct) : null;
  const file = form?.files.find((f) => f.field === 'file');
  if (!form || !file) return ctx.json(400, { error: 'file required' });

  let sa: unknown;
  try {
    sa = JSON.parse(file.content.toString('utf8'));
  } catch (e) {
    return ctx.json(400, { error: 'invalid json', message: (e as Error).message });
  }
  if (!isObject(sa))
    return ctx.json(400, { error: 'invalid service account', message: 'service account payload is empty' });
  const key = normalizePrivateKey(sa.private_key);
  if ('error' in key) return ctx.json(400, { error: 'invalid service account', message: key.error });
  const serviceAccount: JsonObject = { ...(sa as JsonObject), private_key: key.pem };

  const projectId = asString(serviceAccount.project_id).trim();
  if (projectId === '') return ctx.json(400, { error: 'project_id missing' });
  const email = asString(serviceAccount.client_email).trim();
  const location =
    (form.fields.get('location') ?? '').trim() ||
    (ctx.url.searchParams.get('location') ?? '').trim() ||
    'us-central1';
  const name = `vertex-${filePart(projectId)}.json`;
  const label = projectId && email ? `${projectId} (${email})` : projectId || email || 'vertex';

  ctx.core.state.putAuthFile({
    name,
    content: {
      service_account: serviceAccount,
      project_id: projectId,
      email,
      location,
      type: 'vertex',
      label,
    },
  });
  ctx.core.notifyRefresh();
  ctx.json(200, {
    status: 'ok',
    'auth-file': `${FAKE_AUTH_DIR}/${name}`,
    project_id: projectId,
    email,
    location,
  });
}

export function registerVertexImportRoutes(r: Router): void {
  r.post('/vertex/import', importVertex);
}
