// OAuth login flows started from the panel.
import { z } from 'zod';

export const AuthUrlSchema = z.looseObject({
  status: z.string().optional(),
  url: z.string(),
  state: z.string(),
  flow: z.string().optional(),
});
export type CpaAuthUrl = z.output<typeof AuthUrlSchema>;

export const AuthStatusSchema = z.looseObject({
  status: z.string(),
  error: z.string().optional(),
});
/** "wait" while the user logs in, "ok" when the credential is saved, "error" with `error`. */
export type CpaAuthStatus = z.output<typeof AuthStatusSchema>;

export const CancelSessionSchema = z.looseObject({
  status: z.string().optional(),
  cancelled: z.boolean().optional(),
});

export const OAuthCallbackResultSchema = z.looseObject({ status: z.string(), error: z.string().optional() });

export const VertexImportResultSchema = z.looseObject({
  status: z.string().optional(),
  'auth-file': z.string().optional(),
  project_id: z.string().optional(),
  email: z.string().optional(),
  location: z.string().optional(),
});
export type CpaVertexImportResult = z.output<typeof VertexImportResultSchema>;
