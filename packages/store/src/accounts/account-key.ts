// The canonical identity of an account (issue #17): upstream + provider + the provider's account id and/or
// email, as CPA reports them. It stays the same when the account logs in again, its auth file is renamed
// or CPA gives it a new auth_index, so history, quota windows and costs follow the account. The SQL in
// migrations/0010-account-identity.ts computes the same key for rows stored before it existed.

/** The one CPA connection cpamp serves; a key names it so a second upstream cannot collide. */
export const DEFAULT_UPSTREAM = 'default';

export interface AccountKeyInput {
  upstream?: string;
  provider: string | null;
  /** The provider's account id (Codex: id_token.chatgpt_account_id). */
  accountId?: string | null;
  email?: string | null;
  /** Fallback when neither id nor email is known: the key is then per auth_index. */
  authIndex: string;
}

const clean = (v: string | null | undefined): string => (v ?? '').trim().toLowerCase();

/**
 * `<upstream>/<provider>/<id>`, id = `account id|email` (both when both are known: a Codex team
 * workspace shares one account id between members), else whichever is known, else `auth:<auth_index>`.
 */
export function accountKey(i: AccountKeyInput): string {
  const id = clean(i.accountId);
  const email = clean(i.email);
  const who = id && email ? `${id}|${email}` : id || email || `auth:${i.authIndex}`;
  return `${i.upstream ?? DEFAULT_UPSTREAM}/${clean(i.provider) || 'unknown'}/${who}`;
}

/** The same rule in SQL over columns (provider, account id, email, auth_index), for migrations. */
export const accountKeySql = (provider: string, accountId: string, email: string, authIndex: string): string => {
  const id = `lower(trim(coalesce(${accountId}, '')))`;
  const em = `lower(trim(coalesce(${email}, '')))`;
  const prov = `coalesce(nullif(lower(trim(coalesce(${provider}, ''))), ''), 'unknown')`;
  return `'${DEFAULT_UPSTREAM}/' || ${prov} || '/' || CASE
    WHEN ${id} <> '' AND ${em} <> '' THEN ${id} || '|' || ${em}
    WHEN ${id} <> '' THEN ${id}
    WHEN ${em} <> '' THEN ${em}
    ELSE 'auth:' || ${authIndex} END`;
};
