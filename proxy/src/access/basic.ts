// The credentials of an `Authorization: Basic …` header (RFC 7617): user-id up to the first colon, password after.

export interface BasicCredentials {
  username: string;
  password: string;
}

/** The credentials, or undefined for a missing header, another scheme, or no user-id. */
export function parseBasic(authorization: string | undefined): BasicCredentials | undefined {
  if (!authorization?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
