// Owns asking the app for one of its pages on behalf of a session nobody's browser holds (a new
// login's who-am-I page, the page carrying the CSRF token of a logout): a GET with that jar's
// cookies and the gateway's usual headers, the answer read up to a bound.

import type { RequestScope } from '../http/scope.js';
import { discardRest, type ExchangeAnswer, exchange } from '../proxy/exchange.js';
import { buildUpstreamHeaders } from '../proxy/request-headers.js';
import { cookieHeader, type Jar } from '../session/cookie-jar.js';
import type { LoginServices } from '../session/services.js';

/** A page is read up to this bound; what lies past it is not found. */
export const MAX_PAGE_BYTES = 256 * 1024;

/** The scope of a request the gateway sends itself with this jar: no identity asserted, the jar's cookies for `path`. */
export function jarScope(scope: RequestScope, services: LoginServices, jar: Jar, path: string): RequestScope {
  return {
    ...scope,
    session: undefined,
    vault: { cookieHeader: cookieHeader(jar, path, services.now(), false), capture: () => [] },
  };
}

/** GETs a page of the app (`path` as configured) with the cookies of jar; the body read up to MAX_PAGE_BYTES. */
export async function fetchAppPage(
  scope: RequestScope,
  services: LoginServices,
  jar: Jar,
  path: string,
  accept: string,
): Promise<ExchangeAnswer> {
  const pageScope = jarScope(scope, services, jar, path.split('?', 1)[0] as string);
  const answer = await exchange(
    services.upstream(),
    {
      method: 'GET',
      path,
      headers: [...buildUpstreamHeaders([], pageScope, { host: scope.runtime.upstreamHost }), 'accept', accept],
      body: null,
    },
    MAX_PAGE_BYTES,
  );
  discardRest(answer);
  return answer;
}
