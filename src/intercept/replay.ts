// Owns releasing a withheld login answer once the second step is passed (S2, S14), the one
// path for every page that ends a pending login (the code step, the questions, a first
// enrollment):
// - the app's redirect is replayed as a redirect, its Location kept only while it stays on the
//   public origin (S9, issue 11); anything else leads to the landing path;
// - the app's page is shown at its own address, where its relative links (frames, forms,
//   images) resolve as the app meant them (issue 12): the browser is sent (303) to the path the
//   login was sent to, carrying a one-time token in a cookie (never in the URL, so no log, no
//   Referer and no history holds it; the gateway's cookies never reach the app, S8), and the
//   gateway answers that GET with the page, once (session/replay-tokens.ts);
// - an answer too large to keep, or a script's, leads to the landing path.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginSettings } from '../config/sections/login.js';
import { sendRedirect } from '../http/respond.js';
import { safeReturnPath, sameOriginLocation } from '../http/return-path.js';
import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import { publicOrigin } from '../proxy/response-headers.js';
import { cookieValues } from '../session/client-cookies.js';
import { clearCookie, cookieName, replayCookieBase, serializeCookie } from '../session/gateway-cookie.js';
import type { SessionRecord, WithheldAnswer } from '../session/records.js';
import type { RequestSession } from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';

/** Where the browser goes once the step is passed: the app's own redirect, or a place to fetch with the cookies that get it there. */
export type Release =
  | { readonly kind: 'redirect'; readonly answer: WithheldAnswer; readonly location: string }
  | { readonly kind: 'fetch'; readonly location: string; readonly cookies: readonly string[] };

function replayCookieName(scope: RequestScope, rs: RequestSession): string {
  return cookieName(replayCookieBase(scope.runtime.config.session.cookie_name), rs.secure);
}

function locationOf(answer: WithheldAnswer): string | undefined {
  if (answer.status < 300 || answer.status > 399) return undefined;
  return answer.headers.find(([name]) => name === 'location')?.[1];
}

/**
 * Decides how the withheld answer of a login promoted to `session` is released, and keeps a
 * page for its one-time replay. The caller answers with sendRelease, or links to the location.
 */
export async function prepareRelease(
  scope: RequestScope,
  rs: RequestSession,
  services: LoginServices,
  withheld: WithheldAnswer,
  session: SessionRecord,
): Promise<Release> {
  const landing = (scope.runtime.config.login as LoginSettings).landing_path;
  const toLanding: Release = { kind: 'fetch', location: landing, cookies: [] };
  if (withheld.body === null) return toLanding;
  const path = safeReturnPath(withheld.path);
  const location = locationOf(withheld);
  if (location !== undefined) {
    // Read as the browser would read it on the login's own page: a relative Location stays relative to it.
    const safe = sameOriginLocation(location, publicOrigin(scope), path);
    if (safe === undefined) {
      audit(services.logger, 'login.redirect_dropped', {
        user: session.user,
        reason: 'the withheld redirect leaves the public origin',
        to: landing,
        client: scope.client.address,
        request_id: scope.id,
      });
    }
    const to = safe ?? landing;
    const headers = withheld.headers.map(([name, value]): [string, string] => [name, name === 'location' ? to : value]);
    return { kind: 'redirect', answer: { ...withheld, headers }, location: to };
  }
  if (path === undefined) return toLanding;
  const ttlMs = scope.runtime.config.session.pending;
  const token = await services.replays.keep({ sessionId: session.id, path, answer: withheld }, ttlMs);
  const cookie = serializeCookie(replayCookieName(scope, rs), token, rs.secure, Math.ceil(ttlMs / 1000));
  return { kind: 'fetch', location: path, cookies: [cookie] };
}

/** Writes a withheld answer as the app sent it (its cookies are in the vault), never cached. */
function writeAnswer(scope: RequestScope, res: ServerResponse, answer: WithheldAnswer, setCookies: string[]): void {
  const body = Buffer.from(answer.body ?? '', 'base64');
  for (const [name, value] of answer.headers) res.appendHeader(name, value);
  res.setHeader('set-cookie', setCookies);
  res.setHeader('content-length', body.length);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-request-id', scope.id);
  res.writeHead(answer.status);
  res.end(body);
}

/** Answers the step's form with the release, handing the browser its new session cookie. */
export function sendRelease(
  scope: RequestScope,
  res: ServerResponse,
  release: Release,
  sessionCookie: string,
  more: readonly string[] = [],
): void {
  if (release.kind === 'redirect') writeAnswer(scope, res, release.answer, [sessionCookie, ...more]);
  else sendRedirect(scope, res, release.location, [sessionCookie, ...more, ...release.cookies]);
}

/** Releases the withheld answer of a login just promoted to `session`: prepareRelease, then sendRelease. */
export async function releaseWithheld(
  scope: RequestScope,
  res: ServerResponse,
  rs: RequestSession,
  services: LoginServices,
  withheld: WithheldAnswer,
  promoted: { session: SessionRecord; cookie: string },
  /** Further cookies set with the session's (a trusted browser's). */
  more: readonly string[] = [],
): Promise<void> {
  const release = await prepareRelease(scope, rs, services, withheld, promoted.session);
  sendRelease(scope, res, release, promoted.cookie, more);
}

/**
 * The replay tokens a full session's GET carries: none on almost every request, which then
 * goes on to the app without a look at the store or a wait for one (issue 17).
 */
export function replayTokensOf(scope: RequestScope, req: IncomingMessage, rs: RequestSession): string[] {
  if (req.method !== 'GET' || !rs.session) return [];
  return cookieValues(rs.cookies, replayCookieName(scope, rs));
}

/**
 * Answers a GET of the full `session` that carries replay tokens (replayTokensOf) with the page
 * kept for it at this path, once. False when there is none (spent, expired, another session's,
 * another path): then nothing was answered and the request goes on to the app like any other.
 */
export async function answerReplay(
  scope: RequestScope,
  res: ServerResponse,
  rs: RequestSession,
  session: SessionRecord,
  services: LoginServices,
  tokens: readonly string[],
): Promise<boolean> {
  for (const token of tokens) {
    const answer = await services.replays.take(token, session.id, scope.target.path);
    if (!answer) continue;
    writeAnswer(scope, res, answer, [clearCookie(replayCookieName(scope, rs), rs.secure)]);
    return true;
  }
  return false;
}
