// Owns binding a request to its cookie vault (the design's "cookie vault"): the Cookie header
// the app receives, and where the app's Set-Cookie lines go: a full session's record, or an
// anonymous visitor's sealed cookie. Used by the guard and by the step-up page that sends a
// held request.

import type { IncomingMessage } from 'node:http';
import type { LoginSettings } from '../config/sections/login.js';
import type { RequestScope, VaultBinding } from '../http/scope.js';
import { applyChanges, changesFromSetCookies } from './cookie-jar.js';
import {
  anonymousCookieLine,
  clearSessionCookie,
  issueSessionCookie,
  type RequestSession,
  readAnonymousJar,
  splitSetCookies,
  upstreamCookieHeader,
} from './request-session.js';
import type { LoginServices } from './services.js';

/** The vault binding of a full session: its jar goes upstream, upstream cookies come back into it. */
export function sessionVault(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
  logout: boolean,
): VaultBinding {
  const session = rs.session!;
  const login = scope.runtime.config.login as LoginSettings;
  let writing: Promise<readonly string[]> | undefined;
  return {
    cookieHeader: upstreamCookieHeader(session.jar, scope, req, rs, services.now()),
    capture(lines) {
      // Most answers set no cookie: nothing to split, nothing to change (issue 17).
      if (lines.length === 0 && !logout) return [];
      const { vault, client } = splitSetCookies(lines, login.pass_through_cookies);
      if (logout) return [...client, clearSessionCookie(rs)];
      const changes = changesFromSetCookies(vault, scope.target.path, services.now());
      if (changes.size === 0) return client;
      // A changed vault re-issues the session cookie with its new generation: a gateway that
      // cached the record before reads it again at the browser's next request (issue 13). A
      // failed write is logged, and the answer still goes out: the app has done what it
      // answered (an object added, a password changed), and hiding that would invite a repeat.
      writing = services.records.updateVault(session.id, changes).then(
        (generation) =>
          generation === undefined
            ? []
            : [issueSessionCookie(services, rs, { kind: 'session', id: session.id, generation })],
        (error: Error) => {
          services.logger.warn({ event: 'vault.update_failed', err: error, request_id: scope.id });
          return [];
        },
      );
      return client;
    },
    stored: () => writing,
  };
}

/** The vault binding of an anonymous visitor: a sealed cookie, with values a login claimed dropped. */
export async function anonymousVault(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
): Promise<VaultBinding> {
  const now = services.now();
  const jar = await readAnonymousJar(rs, services);
  const login = scope.runtime.config.login as LoginSettings;
  return {
    cookieHeader: upstreamCookieHeader(jar, scope, req, rs, now),
    capture(lines) {
      const { vault, client } = splitSetCookies(lines, login.pass_through_cookies);
      const next = applyChanges(jar, changesFromSetCookies(vault, scope.target.path, now));
      return next === jar ? client : [...client, anonymousCookieLine(scope, rs, services, next)];
    },
  };
}
