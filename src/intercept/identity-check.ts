// Owns the optional confirmation of who logged in (login.identity_check): with the session the
// app just created, ask the app's own "who am I" page, and accept the login only when it names
// the user the gateway read from the form. It closes the gap of a login form whose username
// field is not the account that gets signed in (an app-side alias, a second hidden field).

import type { LoginSettings } from '../config/sections/login.js';
import { canonicalUsername, usernameRulesOf } from '../config/username.js';
import type { RequestScope } from '../http/scope.js';
import { buildUpstreamHeaders } from '../proxy/request-headers.js';
import { cookieHeader, type Jar } from '../session/cookie-jar.js';
import type { LoginServices } from '../session/services.js';

const MAX_BYTES = 64 * 1024;

/** The value at a dotted path of a JSON document, when it is a string. */
export function fieldAt(document: unknown, path: string): string | undefined {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' ? value : undefined;
}

/**
 * Who the app says the session in jar belongs to (canonicalised), or undefined when it names
 * nobody (not signed in, an error, a body that is not what was configured).
 */
export async function askIdentity(scope: RequestScope, services: LoginServices, jar: Jar): Promise<string | undefined> {
  const login = scope.runtime.config.login as LoginSettings;
  const check = login.identity_check;
  if (!check) return undefined;
  const checkScope: RequestScope = {
    ...scope,
    session: undefined,
    vault: { cookieHeader: cookieHeader(jar, check.path, services.now(), false), capture: () => [] },
  };
  const answer = await services.upstream().pool.request({
    method: 'GET',
    path: check.path,
    headers: [
      ...buildUpstreamHeaders([], checkScope, { host: scope.runtime.upstreamHost }),
      'accept',
      'application/json',
    ],
  });
  const text = await answer.body.text();
  if (answer.statusCode !== 200 || text.length > MAX_BYTES) return undefined;
  let named: string | undefined;
  try {
    named = fieldAt(JSON.parse(text), check.field);
  } catch {
    return undefined;
  }
  return named === undefined ? undefined : canonicalUsername(named, usernameRulesOf(login.username));
}

/** Whether the app confirms that the session in jar belongs to user (always, without identity_check); any doubt is a no. */
export async function confirmIdentity(
  scope: RequestScope,
  services: LoginServices,
  jar: Jar,
  user: string,
): Promise<boolean> {
  if (!scope.runtime.config.login?.identity_check) return true;
  return (await askIdentity(scope, services, jar)) === user;
}
