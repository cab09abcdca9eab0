// Owns reading the username out of a login request body before it is forwarded, refusing
// any body the gateway cannot read unambiguously: an unexpected content type (415), a
// duplicated or non-string username (400). The size bound is enforced while reading (413).

import { hasDuplicateKeys } from './json-keys.js';

export type LoginBodyResult = { ok: true; username: string } | { ok: false; status: 400 | 415; reason: string };

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function fromForm(text: string, field: string): LoginBodyResult {
  // URLSearchParams decodes names too, so "user%6Eame" counts as a second "username".
  const values = new URLSearchParams(text).getAll(field);
  if (values.length !== 1) {
    return { ok: false, status: 400, reason: values.length === 0 ? 'no username field' : 'duplicated username field' };
  }
  return { ok: true, username: values[0] as string };
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

/** Reads the username field from a form-encoded or JSON login body (already bounded in size). */
export function readLoginUsername(contentType: string | undefined, body: Buffer, field: string): LoginBodyResult {
  const type = mediaType(contentType);
  const text = body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return fromForm(text, field);
  if (type === 'application/json' || type.endsWith('+json')) return fromJson(text, field);
  return { ok: false, status: 415, reason: `login body of type "${type || 'none'}"` };
}
