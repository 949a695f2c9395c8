import { z } from 'zod';
import type { ManagerClient } from './manager-client';

// The CPAs of a cpamp server (GET/POST /v0/management/upstreams, PUT/DELETE …/:name). Keys go in, never out.
const U = '/upstreams';
export const UpstreamSchema = z.looseObject({ name: z.string(), url: z.string().nullable(), source: z.string(), editable: z.boolean() });
export type UpstreamItem = z.output<typeof UpstreamSchema>;
const ListSchema = z.looseObject({ items: z.array(UpstreamSchema) });
const Any = z.unknown();

export const listUpstreams = (c: ManagerClient) => c.json('GET', U, ListSchema);
export const addUpstream = (c: ManagerClient, body: { name: string; url: string; managementKey: string }) => c.json('POST', U, Any, { body });
export const changeUpstream = (c: ManagerClient, name: string, body: { url: string; managementKey?: string }) => c.json('PUT', `${U}/${encodeURIComponent(name)}`, Any, { body });
export const removeUpstream = (c: ManagerClient, name: string) => c.json('DELETE', `${U}/${encodeURIComponent(name)}`, Any);
