/** Plugins and the plugin store (shapes follow plugins.go / plugin_store.go, trimmed). */
import { isObject, ok, type RouteCtx, type Router } from '../http-kit';
import type { JsonObject, PluginInfo } from '../state';

const STORE = [
  { id: 'usage-exporter', name: 'Usage Exporter', description: 'Exports usage records', version: '1.2.0' },
  { id: 'gemini-cli', name: 'Gemini CLI', description: 'Gemini CLI OAuth executor', version: '0.4.1' },
];

/** pluginIDFromRequest: ids are config keys and file names. */
const PLUGIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function entry(id: string, p: PluginInfo | undefined, config: JsonObject | undefined, globalOn: boolean): JsonObject {
  // pluginInstanceEnabled: a missing or non-true `enabled` key means disabled.
  const enabled = config?.enabled === true;
  return {
    id,
    path: p ? `plugins/${id}` : '',
    configured: config !== undefined,
    registered: p !== undefined,
    enabled,
    // ListPlugins: EffectiveEnabled = plugins.enabled && entry.Enabled && entry.Registered.
    effective_enabled: globalOn && enabled && p !== undefined,
    supports_oauth: id === 'gemini-cli',
    oauth_provider: id === 'gemini-cli' ? 'gemini-cli' : '',
    logo: '',
    config_fields: [],
    menus: (p?.menus ?? []).map((m) => ({ path: m.path, menu: m.menu, description: m.description ?? '' })),
    ...(p
      ? {
          metadata: {
            name: p.name,
            version: p.version,
            author: 'fake',
            github_repository: '',
            logo: '',
            config_fields: [],
          },
        }
      : {}),
  };
}

/** The validated `:id`, or undefined after answering 400 like CPA. */
function pluginId(ctx: RouteCtx): string | undefined {
  const id = (ctx.params.id ?? '').trim();
  if (PLUGIN_ID.test(id)) return id;
  ctx.json(400, { error: 'invalid_plugin_id', message: 'invalid plugin id' });
  return undefined;
}

function notFound(ctx: RouteCtx): void {
  ctx.json(404, { error: 'plugin_not_found', message: 'plugin not found' });
}

/** readPluginConfigObject: the body must be one JSON object (not wrapped, not null). */
async function configBody(ctx: RouteCtx): Promise<JsonObject | undefined> {
  const body = await ctx.jsonBody();
  if (isObject(body)) return body as JsonObject;
  ctx.json(400, { error: 'invalid_body', message: 'body must be a JSON object' });
  return undefined;
}

/** pluginInstanceConfigFromNode: `enabled` must decode as bool and `priority` as int. */
function invalidConfig(ctx: RouteCtx, cfg: JsonObject): boolean {
  const bad =
    (cfg.enabled !== undefined && typeof cfg.enabled !== 'boolean') ||
    (cfg.priority !== undefined && !Number.isInteger(cfg.priority));
  if (bad) ctx.json(400, { error: 'invalid_config', message: 'enabled must be a bool, priority an int' });
  return bad;
}

/** The global plugins.enabled switch of config.yaml. */
function pluginsEnabled(ctx: RouteCtx): boolean {
  const p = ctx.core.state.config['plugins'];
  return isObject(p) && p.enabled === true;
}

export function registerPluginRoutes(r: Router): void {
  const list = (ctx: RouteCtx) => {
    const { plugins, pluginConfigs } = ctx.core.state;
    const ids = [...new Set([...plugins.keys(), ...pluginConfigs.keys()])].sort();
    ctx.json(200, {
      plugins_enabled: pluginsEnabled(ctx),
      plugins_dir: 'plugins',
      plugins: ids.map((id) => entry(id, plugins.get(id), pluginConfigs.get(id), pluginsEnabled(ctx))),
    });
  };
  r.get('/plugins', list);
  r.get('/plugin-store', (ctx) =>
    ctx.json(200, {
      plugins_enabled: true,
      plugins_dir: 'plugins',
      sources: [{ id: 'official', name: 'Official', url: 'https://example.invalid/plugins.json' }],
      plugins: STORE.map((s) => ({
        store_id: `official/${s.id}`,
        source_id: 'official',
        source_name: 'Official',
        source_url: 'https://example.invalid/plugins.json',
        id: s.id,
        name: s.name,
        description: s.description,
        author: 'fake',
        version: s.version,
        repository: '',
        install_type: 'binary',
        auth_required: false,
        auth_configured: false,
        installed: ctx.core.state.plugins.has(s.id),
      })),
    }),
  );
  r.post('/plugin-store/:id/install', (ctx) => {
    const s = STORE.find((x) => x.id === ctx.params.id);
    if (!s) return notFound(ctx);
    const { state } = ctx.core;
    state.plugins.set(s.id, { id: s.id, name: s.name, version: s.version });
    // Installing also sets plugins.configs.<id>.enabled = true.
    state.pluginConfigs.set(s.id, { ...state.pluginConfigs.get(s.id), enabled: true });
    ctx.json(200, {
      status: 'installed',
      source_id: 'official',
      source_name: 'Official',
      source_url: 'https://example.invalid/plugins.json',
      id: s.id,
      version: s.version,
      install_type: 'binary',
      path: `plugins/${s.id}`,
      plugins_enabled: true,
      restart_required: false,
    });
  });
  r.delete('/plugins/:id', (ctx) => {
    const id = pluginId(ctx);
    if (id === undefined) return;
    const { state } = ctx.core;
    const installed = state.plugins.delete(id);
    const configured = state.pluginConfigs.delete(id);
    if (!installed && !configured) return notFound(ctx);
    ctx.json(200, {
      status: 'deleted',
      id,
      path: installed ? `plugins/${id}` : '',
      file_deleted: installed,
      configured_removed: configured,
      restart_required: false,
    });
  });
  r.patch('/plugins/:id/enabled', async (ctx) => {
    const id = pluginId(ctx);
    if (id === undefined) return;
    const body = await ctx.jsonBody();
    if (!isObject(body) || typeof body.enabled !== 'boolean') {
      return ctx.json(400, { error: 'invalid_body', message: 'enabled is required' });
    }
    // Like CPA: no existence check, the config entry is created if needed.
    const { pluginConfigs } = ctx.core.state;
    pluginConfigs.set(id, { ...pluginConfigs.get(id), enabled: body.enabled });
    ok(ctx);
  });
  r.get('/plugins/:id/config', (ctx) => {
    const id = pluginId(ctx);
    if (id === undefined) return;
    const cfg = ctx.core.state.pluginConfigs.get(id);
    // The config object itself (plugins.configs.<id>); {} for an installed but unconfigured plugin.
    if (cfg) return ctx.json(200, cfg);
    if (ctx.core.state.plugins.has(id)) return ctx.json(200, {});
    notFound(ctx);
  });
  r.put('/plugins/:id/config', async (ctx) => {
    const id = pluginId(ctx);
    if (id === undefined) return;
    const body = await configBody(ctx);
    if (body === undefined || invalidConfig(ctx, body)) return;
    ctx.core.state.pluginConfigs.set(id, body);
    ok(ctx);
  });
  r.patch('/plugins/:id/config', async (ctx) => {
    const id = pluginId(ctx);
    if (id === undefined) return;
    const body = await configBody(ctx);
    if (body === undefined) return;
    // Top-level merge; a null value deletes that key.
    const next: JsonObject = { ...ctx.core.state.pluginConfigs.get(id) };
    for (const [k, v] of Object.entries(body)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    if (invalidConfig(ctx, next)) return;
    ctx.core.state.pluginConfigs.set(id, next);
    ok(ctx);
  });
}
