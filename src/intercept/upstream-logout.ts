// Owns logging out upstream an app session nobody will use any more: a pending login that died
// (wrong answers, expiry) or a gateway logout. The browser never held that session, so this is
// hygiene, best effort. The first logout route is called exactly as configured (S14, issue 12):
// its path as written (Django answers "/admin/logout" with a 301 and keeps the session; only
// "/admin/logout/" logs out), its method and query; and, where the app wants one, with its CSRF
// token read from a configured page fetched with the same session, that page's cookies (Django's
// csrftoken) taken along and a Referer naming it, as the browser's own form post would.

import type { LogoutRouteSettings } from '../config/sections/login.js';
import type { RequestScope } from '../http/scope.js';
import { discardRest, exchange } from '../proxy/exchange.js';
import { buildUpstreamHeaders } from '../proxy/request-headers.js';
import { applyChanges, changesFromSetCookies, type Jar } from '../session/cookie-jar.js';
import type { LoginServices } from '../session/services.js';
import { fetchAppPage, jarScope } from './app-page.js';
import { htmlText } from './identity.js';

/** How an upstream logout went: sent (with the app's status), not needed (no route, no cookies), or not sendable (no token). */
export type UpstreamLogoutOutcome =
  | { outcome: 'sent'; status: number }
  | { outcome: 'skipped' }
  | { outcome: 'no_token'; pageStatus: number };

/** The token in a page (pure): the pattern's first group that matched, HTML-unescaped; undefined when none did. */
export function tokenInPage(pattern: string, page: string): string | undefined {
  const match = new RegExp(pattern).exec(page);
  const group = match?.slice(1).find((value) => value !== undefined);
  return group === undefined ? undefined : htmlText(group);
}

/** What the logout request carries besides the gateway's headers (pure): the token in its field or header. */
export function logoutExtras(
  route: LogoutRouteSettings,
  token: string | undefined,
  referer: string | undefined,
): { headers: string[]; body: Buffer | null } {
  const headers: string[] = [];
  let body: Buffer | null = null;
  if (referer !== undefined) headers.push('referer', referer);
  if (token !== undefined && route.csrf?.header) headers.push(route.csrf.header, token);
  if (token !== undefined && route.csrf?.field) {
    body = Buffer.from(new URLSearchParams({ [route.csrf.field]: token }).toString());
    headers.push('content-type', 'application/x-www-form-urlencoded');
  }
  return { headers, body };
}

const pathOf = (url: string) => url.split('?', 1)[0] as string;

/** Calls the app's logout route with the session in jar; resolves with how it went, rejects on an upstream error. */
export async function sendUpstreamLogout(
  scope: RequestScope,
  services: LoginServices,
  jar: Jar,
): Promise<UpstreamLogoutOutcome> {
  const route = scope.runtime.config.login?.logout_routes[0];
  if (!route || Object.keys(jar).length === 0) return { outcome: 'skipped' };
  let cookies = jar;
  let token: string | undefined;
  let referer: string | undefined;
  if (route.csrf) {
    const page = await fetchAppPage(scope, services, jar, route.csrf.page, 'text/html');
    const setCookies = page.headers['set-cookie'];
    const lines = setCookies === undefined ? [] : Array.isArray(setCookies) ? setCookies : [setCookies];
    cookies = applyChanges(jar, changesFromSetCookies(lines, pathOf(route.csrf.page), services.now()));
    token = tokenInPage(route.csrf.pattern, page.body.toString('utf8'));
    if (token === undefined) return { outcome: 'no_token', pageStatus: page.status };
    referer = `${scope.proto}://${scope.host}${route.csrf.page}`;
  }
  const extras = logoutExtras(route, token, referer);
  const logoutScope = jarScope(scope, services, cookies, pathOf(route.url));
  const answer = await exchange(
    services.upstream(),
    {
      method: route.method,
      path: route.url,
      headers: [...buildUpstreamHeaders([], logoutScope, { host: scope.runtime.upstreamHost }), ...extras.headers],
      body: extras.body,
    },
    0,
  );
  discardRest(answer);
  return { outcome: 'sent', status: answer.status };
}

/** Logs the session in jar out upstream in the background; the outcome goes to the log (never a cookie or token). */
export function logoutUpstream(scope: RequestScope, services: LoginServices, jar: Jar): Promise<void> {
  return sendUpstreamLogout(scope, services, jar).then(
    (result) => {
      if (result.outcome === 'skipped') return;
      if (result.outcome === 'no_token')
        services.logger.warn({
          event: 'upstream.logout_failed',
          reason: `no CSRF token found on the configured page (status ${result.pageStatus})`,
          request_id: scope.id,
        });
      else services.logger.debug({ event: 'upstream.logout', status: result.status, request_id: scope.id });
    },
    (error: Error) => services.logger.debug({ event: 'upstream.logout_failed', err: error, request_id: scope.id }),
  );
}
