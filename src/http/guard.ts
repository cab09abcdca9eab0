// Owns the protected app's side of the pipeline when a `login` is configured: the session
// stage, the access decision (access/decide.ts) and what each decision does. The gateway's
// own pages are handled before this; forwarding happens through the proxy module.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { classifyRoute, type Decision, decide } from '../access/decide.js';
import { requirementFor } from '../config/path-rules.js';
import type { LoginSettings } from '../config/sections/login.js';
import { loginFields, queryCarriesCredentials } from '../intercept/login-body.js';
import { handleLogin } from '../intercept/login-exchange.js';
import { answerReplay, replayTokensOf } from '../intercept/replay.js';
import { audit } from '../ops/audit.js';
import { hasBody } from '../proxy/forward.js';
import { endSession } from '../session/end-session.js';
import type { SessionRecord } from '../session/records.js';
import { refuse, refuseUpgrade } from '../session/refusal.js';
import {
  allowlistFact,
  cachedRequestSession,
  type RequestSession,
  resolveRequestSession,
} from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';
import { anonymousVault, sessionVault } from '../session/vault-binding.js';
import { prefersJson } from './error-page.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { sendError, sendJson, sendRedirect, sendSocketError } from './respond.js';
import { safeReturnPath } from './return-path.js';
import type { RequestScope } from './scope.js';

export type Forward = (scope: RequestScope) => void;

/** What the guard decided for an upgrade: forward it (the scope carries the vault) or it was answered. */
export type UpgradeOutcome = 'forward' | 'answered';

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
  // Most requests have no query: no fields object to build for them.
  return body || (scope.target.search.length > 1 && queryCarriesCredentials(scope.target.search, loginFields(login)));
}

/**
 * Stage 5 of the pipeline: the decision for the session the cookie names (stage 4). The
 * allowlist is a fact for a full session only: a pending login was checked at its login, and
 * what it may reach (public paths) needs no list. The path rule the request meets (issue 16)
 * and when its session last passed a second step are facts too.
 */
function decisionFor(
  scope: RequestScope,
  req: IncomingMessage,
  services: LoginServices,
  rs: RequestSession,
  wantsJson: boolean,
): Decision {
  const login = scope.runtime.config.login as LoginSettings;
  const method = req.method ?? 'GET';
  const requirement = requirementFor(method, scope.target, scope.runtime.pathRules);
  const credentials = mayCarryCredentials(scope, req, login);
  const route = classifyRoute(method, scope.target, login, requirement, credentials);
  const allowlist = allowlistFact(scope.runtime, scope.client, services, rs.session);
  // One literal, not a spread of a facts object: spreading takes V8's slow path on every request.
  const facts = {
    route,
    session: rs.state,
    wantsJson,
    allowlist,
    requirement,
    method,
    secondStepAt: rs.session?.secondStepAt,
    now: services.now(),
  };
  return decide(facts);
}

/**
 * Holds a request a fresh-step rule stopped (a form post): read whole within limits.held_body,
 * kept sealed for as long as a pending login lives, then the browser goes to the step-up page,
 * which sends it once the step is passed. The app sees nothing of it before.
 */
async function holdRequest(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  session: SessionRecord,
  services: LoginServices,
): Promise<void> {
  const { limits, session: lifetimes, listen } = scope.runtime.config;
  let body: Buffer;
  try {
    body = await readBody(req, limits.held_body);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return sendError(scope, req, res, 'BODY_TOO_LARGE', `held request: ${error.message}`);
  }
  const url = scope.target.path + scope.target.search;
  const method = req.method ?? 'POST';
  const id = await services.held.hold(
    { sessionId: session.id, method, url, rawHeaders: req.rawHeaders, body },
    lifetimes.pending,
  );
  audit(services.logger, 'access.request_held', {
    user: session.user,
    method,
    path: scope.target.path,
    bytes: body.length,
    client: scope.client.address,
    request_id: scope.id,
  });
  sendRedirect(scope, res, `${listen.gateway_prefix}/step-up?held=${id}`);
}

/** Where the step-up page sends a browser back to after a fresh step for a GET: the path it asked for, when safe (S9). */
function stepUpFor(scope: RequestScope): string {
  const back = safeReturnPath(scope.target.path + scope.target.search);
  const page = `${scope.runtime.config.listen.gateway_prefix}/step-up`;
  return back ? `${page}?next=${encodeURIComponent(back)}` : page;
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

/**
 * Runs the session stage and the decision for a request to the protected app. Undefined when
 * it is done without waiting for anything: the full session's GET that the caches answer (most
 * requests) costs no promise, no async frame and no microtask (issue 17). A promise otherwise,
 * which rejects as the stages fail (a store failure is a 503, never a skipped layer).
 */
export function guardRequest(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  services: LoginServices,
  forward: Forward,
): Promise<void> | undefined {
  const rs = cachedRequestSession(scope, req, services);
  if (rs) return carryOut(scope, req, res, services, forward, rs);
  return resolveRequestSession(scope, req, services).then((resolved) =>
    carryOut(scope, req, res, services, forward, resolved),
  );
}

/** The decision for the session stage's answer, carried out; undefined when nothing was left to wait for. */
function carryOut(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  services: LoginServices,
  forward: Forward,
  rs: RequestSession,
): Promise<void> | undefined {
  const login = scope.runtime.config.login as LoginSettings;
  const decision = decisionFor(scope, req, services, rs, prefersJson(req.headers));
  const prefix = scope.runtime.config.listen.gateway_prefix;

  switch (decision.action) {
    case 'read-login':
      return handleLogin(scope, req, res, rs, services);
    case 'logout':
      return logoutThenForward(scope, req, rs, services, forward);
    case 'forward': {
      if (decision.vault === 'anonymous') return forwardAnonymous(scope, req, rs, services, forward);
      const session = bindSession(scope, req, rs, services, false);
      // Most requests have nothing to write, and nothing to wait for.
      const touching = services.records.touch(session);
      // The withheld page of this session's login, once, at its own address (issue 12).
      const replayTokens = replayTokensOf(scope, req, rs);
      if (touching || replayTokens.length > 0) {
        return forwardSession(scope, res, rs, session, services, forward, touching, replayTokens);
      }
      forward(scope);
      return;
    }
    case 'redirect':
      sendRedirect(scope, res, decision.to === 'login' ? loginPageFor(scope, login) : `${prefix}/step-up`);
      return;
    case 'refuse':
      refuse(scope, req, res, services.logger, { reason: decision.reason, who: rs.session }, 'request');
      return;
    case 'confirm': {
      const session = rs.session as SessionRecord;
      scope.session = { id: session.id, user: session.user, role: session.role };
      if (decision.hold) return holdRequest(scope, req, res, session, services);
      sendRedirect(scope, res, stepUpFor(scope));
      return;
    }
    case 'unauthorized':
      scope.errorCode = 'LOGIN_REQUIRED';
      if (decision.need === 'second_step') {
        scope.errorReason = 'a path rule asks for a (fresh) second step';
        sendJson(scope, req, res, 401, { error: 'second_step_required', step_up_url: stepUpFor(scope) });
        return;
      }
      scope.errorReason = `no full session (${rs.state})`;
      sendJson(scope, req, res, 401, { error: 'login_required', login_url: login.page });
      return;
    default:
      // The login's later steps and the gateway's pages are decided where their facts are known.
      throw new Error(`unexpected decision ${decision.action} for a request to the app`);
  }
}

/** The app's logout: the record goes first, whatever the upstream answers, this session is over (S4). */
async function logoutThenForward(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
  forward: Forward,
): Promise<void> {
  const session = bindSession(scope, req, rs, services, true);
  await endSession(services, scope, session.id, 'app logout');
  forward(scope);
}

/** A full session's request that waits first: the idle slide's write, or the replay of its withheld page. */
async function forwardSession(
  scope: RequestScope,
  res: ServerResponse,
  rs: RequestSession,
  session: SessionRecord,
  services: LoginServices,
  forward: Forward,
  touching: Promise<void> | undefined,
  replayTokens: readonly string[],
): Promise<void> {
  if (touching) await touching;
  if (replayTokens.length > 0 && (await answerReplay(scope, res, rs, session, services, replayTokens))) return;
  forward(scope);
}

/** A request forwarded with the anonymous visitor's sealed vault. */
async function forwardAnonymous(
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  services: LoginServices,
  forward: Forward,
): Promise<void> {
  scope.vault = await anonymousVault(scope, req, rs, services);
  forward(scope);
}

/** The same stages for a WebSocket upgrade: only a full session (or a public path) gets one. */
export async function guardUpgrade(
  scope: RequestScope,
  req: IncomingMessage,
  socket: Duplex,
  services: LoginServices,
): Promise<UpgradeOutcome> {
  // From memory when the caches answer (most requests), which then go on without an await.
  const rs = cachedRequestSession(scope, req, services) ?? (await resolveRequestSession(scope, req, services));
  const decision = decisionFor(scope, req, services, rs, true);
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
