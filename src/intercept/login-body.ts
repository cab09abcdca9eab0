// Owns reading the username out of a login request before it is forwarded, refusing any
// request the gateway and the app could read differently (S1): an unexpected content type or
// charset (415); a username that is duplicated (the query and the body together, since
// PHP's $_REQUEST and Flask's request.values merge them), not a string, not valid UTF-8, or
// hidden in a field name that PHP folds into it; a form body that is JSON (frameworks that
// sniff the body read it as JSON); multipart unless the app is configured to use it (400).
// Also whether a request carries a credential field at all: on a login path that makes it a
// login, whatever its method (issue 11). The size bound is enforced while reading (413).

import { Response } from 'undici';
import { mayBeField as mayBe } from '../net/query-match.js';
import { hasDuplicateKeys } from './json-keys.js';

export type LoginBodyResult = { ok: true; username: string } | { ok: false; status: 400 | 415; reason: string };

/** The fields a login is read by: the configured names, and whether the app takes multipart. */
export interface LoginFields {
  readonly username: string;
  readonly password: string;
  readonly multipart: boolean;
}

/** The login fields of the `login` section. */
export function loginFields(login: {
  username_field: string;
  password_field: string;
  multipart: boolean;
}): LoginFields {
  return { username: login.username_field, password: login.password_field, multipart: login.multipart };
}

/** A login request as read off the wire, its body already bounded. */
export interface LoginRequest {
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The query, with its "?" (or empty). */
  readonly search: string;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** Whether a query carries the username or the password field, in any spelling an app may read as one. */
export function queryCarriesCredentials(search: string, fields: Pick<LoginFields, 'username' | 'password'>): boolean {
  // No query (most requests): nothing to parse.
  if (search.length <= 1) return false;
  return [...new URLSearchParams(search)].some(
    ([name]) => mayBe(name, fields.username) || mayBe(name, fields.password),
  );
}

const refusal = (reason: string, status: 400 | 415 = 400): LoginBodyResult => ({ ok: false, status, reason });

/** The fields of a body, as name and value pairs; a file part's value is null (never a username). */
type Entries = Array<[string, string | null]>;

/** A form or multipart body's fields, a JSON body's object, or a refusal. */
type ParsedBody =
  | { kind: 'entries'; entries: Entries }
  | { kind: 'json'; object: Record<string, unknown> }
  | LoginBodyResult;

function parseJson(text: string): ParsedBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refusal('malformed JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refusal('JSON login body is not an object');
  if (hasDuplicateKeys(text)) return refusal('duplicated key in JSON login body');
  return { kind: 'json', object: body as Record<string, unknown> };
}

async function parseMultipart(contentType: string, body: Buffer): Promise<ParsedBody> {
  // undici's parser (the one behind fetch's formData()), already a dependency of the proxy.
  let form: Awaited<ReturnType<Response['formData']>>;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return refusal('malformed multipart login body');
  }
  const entries: Entries = [];
  for (const [name, value] of form) entries.push([name, typeof value === 'string' ? value : null]);
  return { kind: 'entries', entries };
}

/** The charset parameter of a Content-Type header, lower-cased, or undefined. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

async function parseBody(request: LoginRequest, fields: LoginFields): Promise<ParsedBody> {
  if (request.body.length === 0) return { kind: 'entries', entries: [] };
  const type = mediaType(request.contentType);
  const text = request.body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    // Frameworks that sniff JSON from the body (whatever it is declared as) would read this
    // body's fields where the gateway reads none.
    if (/^[{[]/.test(text.trim())) return refusal('form login body that is JSON');
    return { kind: 'entries', entries: [...new URLSearchParams(text)] };
  }
  if (type === 'application/json' || type.endsWith('+json')) return parseJson(text);
  if (type === 'multipart/form-data') {
    if (!fields.multipart) return refusal('multipart login body (login.multipart is off)');
    return parseMultipart(request.contentType as string, request.body);
  }
  return refusal(`login body of type "${type || 'none'}"`, 415);
}

/** Whether a username is text the app reads as the gateway does: valid UTF-8 decodes to no U+FFFD and no lone surrogate. */
function wellFormed(username: string): boolean {
  return !/[\p{Cs}\uFFFD]/u.test(username);
}

/**
 * Reads the username from a login request: its body (form, JSON, multipart when configured)
 * and its query together, where it must appear exactly once.
 */
export async function readLoginUsername(request: LoginRequest, fields: LoginFields): Promise<LoginBodyResult> {
  const charset = charsetOf(request.contentType);
  // Only UTF-8 is read as the gateway reads it: "+AGE-lice" is "alice" in UTF-7 to an app that honours the charset.
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return refusal(`login body in charset ${charset}`, 415);
  }
  const body = await parseBody(request, fields);
  if ('ok' in body) return body;
  const inQuery = [...new URLSearchParams(request.search)].filter(([name]) => mayBe(name, fields.username));
  let found: Entries;
  if (body.kind === 'json') {
    const value = body.object[fields.username];
    if (fields.username in body.object && typeof value !== 'string') return refusal('username is not a string');
    found = typeof value === 'string' ? [[fields.username, value]] : [];
  } else {
    found = body.entries.filter(([name]) => mayBe(name, fields.username));
  }
  if (inQuery.length > 0 && found.length > 0) return refusal('username field in the query string and the body');
  found.push(...inQuery);
  if (found.length !== 1) return refusal(found.length === 0 ? 'no username field' : 'duplicated username field');
  const [name, value] = found[0] as [string, string | null];
  if (name !== fields.username) return refusal('username field spelled as another framework reads it');
  if (value === null) return refusal('username sent as a file');
  if (!wellFormed(value)) return refusal('username is not valid UTF-8');
  return { ok: true, username: value };
}
