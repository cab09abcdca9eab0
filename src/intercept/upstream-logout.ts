// Owns the best-effort logout of an app session nobody will use any more: a pending login
// that died, or a gateway logout. The browser never held that session, so this is hygiene,
// not security; an app whose logout needs a CSRF token will refuse it, and its session then
// ends by its own expiry.

import type { LoginSettings } from '../config/sections/login.js';
import type { RequestScope } from '../http/scope.js';
import { buildUpstreamHeaders } from '../proxy/request-headers.js';
import { cookieHeader, type Jar } from '../session/cookie-jar.js';
import type { LoginServices } from '../session/services.js';

export function logoutUpstream(scope: RequestScope, services: LoginServices, jar: Jar): void {
  const login = scope.runtime.config.login as LoginSettings;
  const route = login.logout_routes[0];
  if (!route || Object.keys(jar).length === 0) return;
  const cookies = cookieHeader(jar, route.path, services.now(), false);
  const logoutScope: RequestScope = {
    ...scope,
    session: undefined,
    vault: { cookieHeader: cookies, capture: () => [] },
  };
  services
    .upstream()
    .pool.request({
      method: route.method as 'POST',
      path: route.path,
      headers: buildUpstreamHeaders([], logoutScope, { host: scope.runtime.upstreamHost }),
    })
    .then(
      (answer) => answer.body.dump(),
      (error: Error) => services.logger.debug({ event: 'upstream.logout_failed', err: error, request_id: scope.id }),
    );
}
