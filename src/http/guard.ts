// Owns the protected app's side of the pipeline when a `login` is configured: the session
// stage, the access decision (access/decide.ts) and what each decision does. The gateway's
// own pages are handled before this; forwarding happens through the proxy module.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { classifyRoute, type Decision, decide } from '../access/decide.js';
import type { LoginSettings } from '../config/sections/login.js';
import { loginFields, queryCarriesCredentials } from '../intercept/login-body.js';
import { handleLogin } from '../intercept/login-exchange.js';
import { hasBody } from '../proxy/forward.js';
import { applyChanges, changesFromSetCookies } from '../session/cookie-jar.js';
import { endSession } from '../session/end-session.js';
import type { SessionRecord } from '../session/records.js';
import { refuse, refuseUpgrade } from '../session/refusal.js';
import {
  allowlistFact,
  anonymousCookieLine,
  clearSessionCookie,
  type RequestSession,
  readAnonymousJar,
  resolveRequestSession,
  splitSetCookies,
  upstreamCookieHeader,
} from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';
import { prefersJson } from './error-page.js';
import { sendJson, sendRedirect, sendSocketError } from './respond.js';
import { safeReturnPath } from './return-path.js';
import type { RequestScope, VaultBinding } from './scope.js';

export type Forward = (scope: RequestScope) => void;

/** What the guard decided for an upgrade: forward it (the scope carries the vault) or it was answered. */
export type UpgradeOutcome = 'forward' | 'answered';

/** The vault binding of a full session: its jar goes upstream, upstream cookies come back into it. */
function sessionVault(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
  logout: boolean,
): VaultBinding {
  const session = rs.session!;
  const login = scope.runtime.config.login as LoginSettings;
  return {
    cookieHeader: upstreamCookieHeader(session.jar, scope, req, rs, services.now()),
    capture(lines) {
      const { vault, client } = splitSetCookies(lines, login.pass_through_cookies);
      if (logout) return [...client, clearSessionCookie(rs)];
      const changes = changesFromSetCookies(vault, scope.target.path, services.now());
      services.records
        .updateVault(session.id, changes)
        .catch((error: Error) =>
          services.logger.warn({ event: 'vault.update_failed', err: error, request_id: scope.id }),
        );
      return client;
    },
  };
}

/** The vault binding of an anonymous visitor: a sealed cookie, with values a login claimed dropped. */
async function anonymousVault(
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

/** The login page, naming the path asked for when the app takes a return parameter and the path is safe (S9). */
export function loginPageFor(scope: RequestScope, login: LoginSettings): string {
  const back = safeReturnPath(scope.target.path + scope.target.search);
  if (!login.return_param || !back || scope.target.path === login.page) return login.page;
  const separator = login.page.includes('?') ? '&' : '?';
  return `${login.page}${separator}${encodeURIComponent(login.return_param)}=${encodeURIComponent(back)}`;
}

/** Whether a request may carry a credential field: one in its query, or a body (read only by the login interception). */
function mayCarryCredentials(scope: RequestScope, req: IncomingMessage, login: LoginSettings): boolean {
  const body = hasBody(req) && req.headers['content-length'] !== '0';
  return body || queryCarriesCredentials(scope.target.search, loginFields(login));
}

/**
 * Stages 4 and 5 of the pipeline: the session the cookie names, and the decision for it. The
 * allowlist is a fact for a full session only: a pending login was checked at its login, and
 * what it may reach (public paths) needs no list.
 */
async function sessionAndDecision(
  scope: RequestScope,
  req: IncomingMessage,
  services: LoginServices,
  wantsJson: boolean,
): Promise<{ rs: RequestSession; decision: Decision }> {
  const login = scope.runtime.config.login as LoginSettings;
  const rs = await resolveRequestSession(scope, req, services);
  const route = classifyRoute(
    req.method ?? 'GET',
    scope.target.routingPath,
    login,
    scope.runtime.config.public_paths,
    mayCarryCredentials(scope, req, login),
  );
  const allowlist = allowlistFact(scope.runtime, scope.client, services, rs.session);
  return { rs, decision: decide({ route, session: rs.state, wantsJson, allowlist }) };
}

/** Puts the full session on the scope: its identity for the app, its vault for the cookies. */
function bindSession(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
  logout: boolean,
): SessionRecord {
  const session = rs.session as SessionRecord;
  scope.session = { id: session.id, user: session.user, role: session.role };
  scope.vault = sessionVault(scope, req, rs, services, logout);
  return session;
}

/** Runs the session stage and the decision for a request to the protected app. */
export async function guardRequest(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  services: LoginServices,
  forward: Forward,
): Promise<void> {
  const login = scope.runtime.config.login as LoginSettings;
  const { rs, decision } = await sessionAndDecision(scope, req, services, prefersJson(req.headers));
  const prefix = scope.runtime.config.listen.gateway_prefix;

  switch (decision.action) {
    case 'read-login':
      return handleLogin(scope, req, res, rs, services);
    case 'logout': {
      const session = bindSession(scope, req, rs, services, true);
      // The record goes first: whatever the upstream answers, this session is over (S4).
      await endSession(services, scope, session.id, 'app logout');
      return forward(scope);
    }
    case 'forward':
      if (decision.vault === 'session') await services.records.touch(bindSession(scope, req, rs, services, false));
      else scope.vault = await anonymousVault(scope, req, rs, services);
      return forward(scope);
    case 'redirect':
      return sendRedirect(scope, res, decision.to === 'login' ? loginPageFor(scope, login) : `${prefix}/step-up`);
    case 'refuse':
      return refuse(scope, req, res, services.logger, { reason: decision.reason, who: rs.session }, 'request');
    case 'unauthorized':
      scope.errorCode = 'LOGIN_REQUIRED';
      scope.errorReason = `no full session (${rs.state})`;
      return sendJson(scope, req, res, 401, { error: 'login_required', login_url: login.page });
    default:
      // The login's later steps and the gateway's pages are decided where their facts are known.
      throw new Error(`unexpected decision ${decision.action} for a request to the app`);
  }
}

/** The same stages for a WebSocket upgrade: only a full session (or a public path) gets one. */
export async function guardUpgrade(
  scope: RequestScope,
  req: IncomingMessage,
  socket: Duplex,
  services: LoginServices,
): Promise<UpgradeOutcome> {
  const { rs, decision } = await sessionAndDecision(scope, req, services, true);
  if (decision.action === 'refuse') {
    refuseUpgrade(scope, req, socket, services.logger, { reason: decision.reason, who: rs.session });
    return 'answered';
  }
  if (decision.action !== 'forward') {
    sendSocketError(scope, socket, 'LOGIN_REQUIRED', `no full session (${rs.state}) for an upgrade`);
    return 'answered';
  }
  if (decision.vault === 'session') bindSession(scope, req, rs, services, false);
  else scope.vault = await anonymousVault(scope, req, rs, services);
  return 'forward';
}
