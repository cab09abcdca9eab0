// Owns reading the username out of a login request before it is forwarded, refusing any
// request the gateway and the app could read differently (S1): an unexpected content type or
// charset (415); a username that is duplicated, not a string, also in the query string (which
// servlet containers and Flask read first), or hidden in a field name that PHP folds into it
// (400). The size bound is enforced while reading (413).

import { hasDuplicateKeys } from './json-keys.js';

export type LoginBodyResult = { ok: true; username: string } | { ok: false; status: 400 | 415; reason: string };

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/**
 * A field name as PHP stores it: leading spaces dropped, and space, "." and an opening "["
 * turned into "_" ("user.name" and " user name" are both "user_name" to $_POST).
 */
export function phpFieldName(name: string): string {
  return name.trimStart().replace(/[ .[]/g, '_');
}

/** Whether a form field could be read by some app as the username field. */
function mayBeUsernameField(name: string, field: string): boolean {
  return name === field || phpFieldName(name) === phpFieldName(field);
}

function fromForm(text: string, field: string): LoginBodyResult {
  // URLSearchParams decodes names too, so "user%6Eame" counts as a second "username".
  const values = [...new URLSearchParams(text)].filter(([name]) => mayBeUsernameField(name, field));
  if (values.length !== 1) {
    return { ok: false, status: 400, reason: values.length === 0 ? 'no username field' : 'duplicated username field' };
  }
  const [name, value] = values[0] as [string, string];
  if (name !== field) return { ok: false, status: 400, reason: 'username field spelled as another framework reads it' };
  return { ok: true, username: value };
}

function fromJson(text: string, field: string): LoginBodyResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, reason: 'malformed JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, reason: 'JSON login body is not an object' };
  }
  if (hasDuplicateKeys(text)) return { ok: false, status: 400, reason: 'duplicated key in JSON login body' };
  const value = (body as Record<string, unknown>)[field];
  if (typeof value !== 'string') return { ok: false, status: 400, reason: 'username is missing or not a string' };
  return { ok: true, username: value };
}

/** The charset parameter of a Content-Type header, lower-cased, or undefined. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * Reads the username field from a form-encoded or JSON login body (already bounded in size).
 * `search` is the request's query: a username there is refused, since some frameworks read the
 * query before the body and the app could then sign in someone else than the gateway checked.
 */
export function readLoginUsername(
  contentType: string | undefined,
  body: Buffer,
  field: string,
  search = '',
): LoginBodyResult {
  const charset = charsetOf(contentType);
  // Only UTF-8 is read as the gateway reads it: "+AGE-lice" is "alice" in UTF-7 to an app that honours the charset.
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { ok: false, status: 415, reason: `login body in charset ${charset}` };
  }
  if ([...new URLSearchParams(search)].some(([name]) => mayBeUsernameField(name, field))) {
    return { ok: false, status: 400, reason: 'username field in the query string' };
  }
  const type = mediaType(contentType);
  const text = body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return fromForm(text, field);
  if (type === 'application/json' || type.endsWith('+json')) return fromJson(text, field);
  return { ok: false, status: 415, reason: `login body of type "${type || 'none'}"` };
}
