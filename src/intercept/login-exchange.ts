// Owns the interception of the app's login (S1, S2, S5): read the username before anything
// is forwarded, check the limits, forward the password with the anonymous vault, classify
// the answer (failing closed), then either pass a failure through, release a session, or
// withhold the answer behind the second step.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { allowlistVerdictFor } from '../access/allowlist-verdict.js';
import { decide, secondStepFor } from '../access/decide.js';
import { lockName, reserveLogin } from '../access/regulator.js';
import { roleOf } from '../access/roles.js';
import type { LoginSettings } from '../config/sections/login.js';
import { canonicalUsername, usernameRulesOf } from '../config/username.js';
import { allowedFactors, enrolledFactors } from '../factors/enrolled-factor.js';
import { agentSummary, type TrustedBrowser } from '../factors/trusted-browsers.js';
import { prefersJson } from '../http/error-page.js';
import { type GatewayErrorCode, upstreamErrorCode } from '../http/errors.js';
import { BodyTooLargeError, readBody } from '../http/read-body.js';
import { sendError, sendJson, sendRedirect } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import { parseRequestTarget } from '../net/request-target.js';
import { audit } from '../ops/audit.js';
import { discardRest, type ExchangeAnswer, exchange } from '../proxy/exchange.js';
import { withoutHopByHop } from '../proxy/hop-headers.js';
import { buildUpstreamHeaders } from '../proxy/request-headers.js';
import { addGatewayCookies, buildClientHeaders, publicOrigin } from '../proxy/response-headers.js';
import { setCookieList } from '../proxy/upstream-cookies.js';
import { claimValues } from '../session/anonymous-vault.js';
import { applyChanges, changesFromSetCookies } from '../session/cookie-jar.js';
import { endSession } from '../session/end-session.js';
import { clearCookie } from '../session/gateway-cookie.js';
import { endPending, startPending } from '../session/pending-ends.js';
import type { WithheldAnswer } from '../session/records.js';
import { refuseBusy, refuse as refuseLogin } from '../session/refusal.js';
import {
  anonymousCookieLine,
  issueSessionCookie,
  type RequestSession,
  readAnonymousJar,
  splitSetCookies,
  trustedBrowserId,
  upstreamCookieHeader,
} from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';
import { classifyLoginAnswer } from './classify.js';
import { appIdentity } from './identity.js';
import { loginFields, readLoginUsername } from './login-body.js';
import { logoutUpstream } from './upstream-logout.js';

/** The routing path a Location header points at when it stays on this site (relative, the upstream's or the public origin). */
export function sameSiteLocationPath(location: string | undefined, scope: RequestScope): string | undefined {
  if (location === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(location, `${publicOrigin(scope)}/`);
  } catch {
    return undefined;
  }
  if (url.origin !== publicOrigin(scope) && url.origin !== scope.runtime.upstreamOrigin) return undefined;
  const parsed = parseRequestTarget(url.pathname);
  return parsed.ok ? parsed.target.routingPath : undefined;
}

/**
 * Writes an exchanged answer to the client (its body, then whatever was left unread), with the
 * gateway's own cookies when it issues any (and then kept from shared caches, as every answer
 * carrying them).
 */
function relay(scope: RequestScope, res: ServerResponse, answer: ExchangeAnswer, gatewayCookies: string[] = []): void {
  const headers = buildClientHeaders(answer.headers, scope);
  addGatewayCookies(headers, gatewayCookies);
  res.writeHead(answer.status, answer.statusText || undefined, headers);
  if (!answer.rest) {
    res.end(answer.body);
    return;
  }
  res.write(answer.body);
  answer.rest.pipe(res);
}

/**
 * What is kept of a withheld answer: status, headers as the client would get them (minus
 * cookies), body if small. The answer to a script's login is not kept: after the second step a
 * person's browser, not the script, receives the replay, and the app's page is the right place.
 */
function withhold(scope: RequestScope, answer: ExchangeAnswer, scripted: boolean): WithheldAnswer {
  const headers = buildClientHeaders(
    { ...withoutHopByHop(answer.headers), 'set-cookie': undefined },
    { ...scope, vault: undefined },
  );
  const kept: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'set-cookie' || name === 'content-length' || name === 'x-request-id') continue;
    for (const item of Array.isArray(value) ? value : [value]) kept.push([name, String(item)]);
  }
  discardRest(answer);
  const keep = !scripted && !answer.rest;
  // Only the path: a login read from the query (a GET) would put the password in a URL.
  return {
    status: answer.status,
    headers: kept,
    body: keep ? answer.body.toString('base64') : null,
    path: scope.target.path,
  };
}

/** The facts a login is judged on for one user (the name typed, then the one the app confirms): role, allowlist verdict. */
async function userFacts(scope: RequestScope, services: LoginServices, user: string) {
  const role = await roleOf(user, scope.runtime.roles, services.store);
  const who = { user, role };
  const allowlist = allowlistVerdictFor(
    scope.runtime.config.policy,
    services.allowlists.current(scope.runtime),
    who,
    scope.client.key,
  );
  return { who, allowlist };
}

/** Handles a request to one of the app's login routes. */
export async function handleLogin(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  rs: RequestSession,
  services: LoginServices,
): Promise<void> {
  const refuse = (code: GatewayErrorCode, reason: string) => {
    audit(services.logger, 'login.refused', { reason, client: scope.client.address, request_id: scope.id });
    sendError(scope, req, res, code, reason);
  };
  const config = scope.runtime.config;
  const login = config.login as LoginSettings;
  const now = services.now();

  let body: Buffer;
  try {
    body = await readBody(req, config.limits.login_body);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refuse('BODY_TOO_LARGE', error.message);
    throw error;
  }
  const read = await readLoginUsername(
    { contentType: req.headers['content-type'], body, search: scope.target.search },
    loginFields(login),
  );
  if (!read.ok) return refuse(read.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_LOGIN_BODY', read.reason);
  const typed = canonicalUsername(read.username, usernameRulesOf(login.username));
  if (typed === undefined) return refuse('BAD_LOGIN_BODY', 'unusable username');
  // Staff outside their list and locked users or addresses are refused before the password
  // goes anywhere (S3, S5).
  const { who, allowlist } = await userFacts(scope, services, typed);
  const limits = await reserveLogin(
    { password: services.passwordLimits, secondStep: services.secondStepLimits },
    typed,
    scope.client.address,
    allowlist.allowed,
  );
  try {
    const facts = { route: 'login' as const, session: rs.state, wantsJson: prefersJson(req.headers) };
    const checks = { allowlist, locked: limits.locks.length > 0 };
    const before = decide({ ...facts, login: checks });
    if (before.action === 'refuse') {
      const refusal = { reason: before.reason, who, locked: limits.locks };
      return refuseLogin(scope, req, res, services.logger, refusal, 'login', now);
    }
    if (limits.busy) return refuseBusy(scope, req, res, services.logger, typed, 'password');
    /** The same facts for the user the app confirms: their locks are read, not reserved (the password was checked). */
    const confirmedFacts = async (confirmed: string) => {
      const other = await userFacts(scope, services, confirmed);
      const locks = [
        ...(await services.passwordLimits.locked(confirmed, scope.client.address)),
        ...(await services.secondStepLimits.locked(confirmed, scope.client.address)),
      ];
      return { who: other.who, checks: { allowlist: other.allowlist, locked: locks.length > 0 }, locks };
    };

    // The anonymous vault, minus values an earlier login claimed; this login claims what it carries
    // until the app clearly refuses the password.
    const jar = await readAnonymousJar(rs, services);
    const claim = await claimValues(services.store, services.keys.digest, jar, config.session.anonymous);

    const forwardScope: RequestScope = {
      ...scope,
      vault: { cookieHeader: upstreamCookieHeader(jar, scope, req, rs, now), capture: () => [] },
    };
    const host = config.upstream.preserve_host ? scope.host : scope.runtime.upstreamHost;
    let answer: ExchangeAnswer;
    try {
      answer = await exchange(
        services.upstream(),
        {
          method: req.method ?? 'POST',
          path: scope.target.path + scope.target.search,
          headers: buildUpstreamHeaders(req.rawHeaders, forwardScope, { host }),
          // A login read from the query (a GET) may have no body at all.
          body: body.length > 0 ? body : null,
        },
        config.limits.withheld_body,
      );
    } catch (error) {
      return sendError(scope, req, res, upstreamErrorCode(error), `login exchange failed: ${(error as Error).message}`);
    }

    try {
      const { vault: vaultLines, client: passThrough } = splitSetCookies(
        setCookieList(answer.headers['set-cookie']),
        login.pass_through_cookies,
      );
      const answeredJar = applyChanges(jar, changesFromSetCookies(vaultLines, scope.target.path, now));
      const verdict = classifyLoginAnswer(
        {
          status: answer.status,
          locationPath: sameSiteLocationPath(firstHeader(answer.headers.location), scope),
          body: answer.body,
        },
        {
          statuses: login.failure.statuses,
          redirectPaths: login.failure.redirect_to,
          bodyContains: login.failure.body_contains,
        },
      );

      // A failure signal can sometimes be steered by the client (a success redirected to the
      // login page through a "next" parameter); where the app can say who is signed in, a
      // "failure" after which someone is signed in is not taken for one.
      const parts = {
        headers: answer.headers,
        body: answer.body,
        setCookies: setCookieList(answer.headers['set-cookie']),
      };
      const identity = await appIdentity(scope, services, parts, answeredJar);
      const signedIn = identity.configured ? identity.user : undefined;
      if (verdict.outcome === 'failure' && signedIn !== undefined) {
        audit(services.logger, 'login.refused', {
          user: typed,
          confirmed_user: signedIn,
          reason: 'a failure signal, but the app has signed someone in',
          client: scope.client.address,
          request_id: scope.id,
        });
        discardRest(answer);
        logoutUpstream(scope, services, answeredJar);
        return sendError(scope, req, res, 'LOGIN_REFUSED', 'failure signal with a signed-in session');
      }
      if (verdict.outcome === 'failure') {
        // Refused, the login authenticated nobody: the visitor keeps the app's cookies as the app
        // set them (its CSRF cookie), so that the password can be typed again on the page shown (S14).
        await claim.release();
        const newlyLocked = (await limits.attempt?.failed())?.started ?? [];
        audit(services.logger, 'login.password_failed', {
          user: typed,
          signal: verdict.signal,
          client: scope.client.address,
          request_id: scope.id,
        });
        if (newlyLocked.length > 0)
          audit(services.logger, 'lockout.started', {
            user: typed,
            subjects: newlyLocked.map(lockName),
            layer: 'password',
            request_id: scope.id,
          });
        scope.vault = {
          cookieHeader: '',
          capture: () => [...passThrough, anonymousCookieLine(scope, rs, services, answeredJar)],
        };
        return relay(scope, res, answer);
      }

      // A success: the app's session is in answeredJar and must not reach the browser (S2).
      // Configured, the identity the app confirms is the user from here on (S13); no identity is no login.
      if (identity.configured && identity.user === undefined) {
        discardRest(answer);
        logoutUpstream(scope, services, answeredJar);
        return refuse('LOGIN_REFUSED', 'the app named nobody (login.identity)');
      }
      await limits.attempt?.passed();
      const confirmed = identity.configured && identity.user !== undefined ? identity.user : typed;
      // When the app signed in someone else than the name typed (an alias, an e-mail for a name),
      // every check is made again for that user before anything is released: their allowlist,
      // their locks (nothing to reserve: the password was checked), the second step they owe.
      const judged = confirmed === typed ? { who, checks, locks: limits.locks } : await confirmedFacts(confirmed);
      if (confirmed !== typed) {
        audit(services.logger, 'login.identity_differs', {
          user: confirmed,
          typed_user: typed,
          role: judged.who.role,
          client: scope.client.address,
          request_id: scope.id,
        });
      }
      const { role } = judged.who;
      // The user's session epoch before any second step or trusted browser is checked: ending
      // their sessions after this read (a reset for a lost phone, "end all sessions") ends the one
      // this login opens, however far the login got meanwhile.
      const [enrolled, epoch] = await Promise.all([
        enrolledFactors(services, confirmed),
        services.records.sessionEpoch(confirmed),
      ]);
      const owed = secondStepFor(role, enrolled, allowedFactors(config, role), config.policy);
      // A browser trusted at an earlier step skips the step it owes (never an enrollment, nor a
      // replacement of a factor the role may no longer use); the password was checked above and
      // the allowlist and locks are still decided below.
      const trust =
        owed === 'none' || owed === 'enroll' || owed === 'replace'
          ? undefined
          : await trustedBrowser(scope, rs, services, confirmed, role);
      const after = decide({ ...facts, login: { ...judged.checks, owed: trust ? 'none' : owed } });
      if (after.action === 'refuse') {
        discardRest(answer);
        logoutUpstream(scope, services, answeredJar);
        const refusal = { reason: after.reason, who: judged.who, locked: judged.locks };
        return refuseLogin(scope, req, res, services.logger, refusal, 'login', now);
      }
      const clearAnonymous = clearCookie(rs.anonymousCookie, rs.secure);
      if (rs.session) await endSession(services, scope, rs.session.id, 'new login');
      if (rs.pending) await endPending(scope, services, rs.pending, 'new_login');

      if (after.action === 'start-session') {
        const session = await services.records.createSession(
          confirmed,
          role,
          answeredJar,
          trust ? 'trusted_browser' : 'none',
          epoch,
          { client: scope.client.address, agent: agentSummary(req.headers['user-agent']) },
        );
        if (trust) {
          audit(services.logger, 'trusted_browser.used', {
            user: confirmed,
            browser: trust.agent,
            client: scope.client.address,
            request_id: scope.id,
          });
        }
        audit(services.logger, 'login.succeeded', {
          user: confirmed,
          role,
          second_step: trust ? 'trusted_browser' : 'none',
          client: scope.client.address,
          request_id: scope.id,
        });
        const cookie = issueSessionCookie(services, rs, { kind: 'session', id: session.id });
        scope.vault = { cookieHeader: '', capture: () => passThrough };
        return relay(scope, res, answer, [clearAnonymous, cookie]);
      }

      if (after.action !== 'withhold') throw new Error(`unexpected decision ${after.action} after a password success`);
      const { step } = after;
      const scripted = facts.wantsJson || (req.headers['content-type'] ?? '').includes('json');
      const pending = await startPending(scope, services, {
        user: confirmed,
        role,
        step,
        jar: answeredJar,
        withheld: withhold(scope, answer, scripted),
        origin: `${scope.proto}://${scope.host}`,
        epoch,
      });
      audit(services.logger, 'login.step_up_required', {
        user: confirmed,
        role,
        step,
        client: scope.client.address,
        request_id: scope.id,
      });
      const cookies = [clearAnonymous, issueSessionCookie(services, rs, { kind: 'pending', id: pending.id })];
      const to = step === 'enroll' ? 'enroll' : 'step-up';
      const stepUrl = `${config.listen.gateway_prefix}/${to}`;
      if (scripted) {
        // A script that posted the login learns where the person must go; it never gets the app's answer.
        res.setHeader('set-cookie', cookies);
        return sendJson(scope, req, res, 401, {
          error: 'second_step_required',
          step: to === 'enroll' ? 'enroll' : 'verify',
          step_up_url: stepUrl,
        });
      }
      sendRedirect(scope, res, stepUrl, cookies);
    } catch (error) {
      // Whatever failed after the exchange (the store, the identity check), the unread rest of
      // the app's answer must not hold an upstream connection.
      discardRest(answer);
      throw error;
    }
  } finally {
    // A login that got no verdict on its password (refused before forwarding, the exchange failed,
    // the app named nobody, an error) gives back its place among the address's users being
    // checked; its counts stay. After failed() or passed() this does nothing.
    await limits.attempt?.abandoned();
  }
}

/** The trusted-browser record this browser's cookie names, when it stands for this user and role now. */
async function trustedBrowser(
  scope: RequestScope,
  rs: RequestSession,
  services: LoginServices,
  user: string,
  role: string,
): Promise<TrustedBrowser | undefined> {
  const days = scope.runtime.config.policy[role]?.trusted_browser_days;
  const id = days === undefined ? undefined : trustedBrowserId(scope, rs, services);
  return id === undefined || days === undefined ? undefined : services.trusted.use(id, user, days);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
