// Owns the session stage of a request: which gateway session (full or pending) its signed
// cookie names, if any is alive, and the Set-Cookie lines that issue or clear the
// gateway's cookies for this request's scheme.

import type { IncomingMessage } from 'node:http';
import { type AllowlistSubject, type AllowlistVerdict, allowlistVerdictFor } from '../access/allowlist-verdict.js';
import type { SessionState } from '../access/decide.js';
import type { IssuedUnder } from '../access/roles.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ClientAddress } from '../http/client-ip.js';
import type { RequestScope } from '../http/scope.js';
import { openAnonymous, sealAnonymous, withoutClaimed } from './anonymous-vault.js';
import { parseCookieHeader, passThroughCookies } from './client-cookies.js';
import { cookieHeader, type Jar } from './cookie-jar.js';
import { endSession } from './end-session.js';
import {
  anonymousCookieBase,
  clearCookie,
  cookieName,
  readSessionRef,
  readTrustId,
  type SessionRef,
  serializeCookie,
  sessionCookieValue,
  trustCookieBase,
  trustCookieValue,
} from './gateway-cookie.js';
import { endPending } from './pending-ends.js';
import type { PendingRecord, SessionRecord } from './records.js';
import type { LoginServices } from './services.js';

export interface RequestSession {
  /** Whether the browser reached the gateway over HTTPS (Secure and __Host- cookies). */
  readonly secure: boolean;
  readonly cookies: ReadonlyArray<[string, string]>;
  readonly sessionCookie: string;
  readonly anonymousCookie: string;
  readonly ref?: SessionRef;
  readonly session?: SessionRecord;
  readonly pending?: PendingRecord;
  readonly state: SessionState;
}

/** What a request's cookies say before any record is looked up (no I/O). */
type CookieReading = Omit<RequestSession, 'session' | 'pending' | 'state'>;

function readCookies(scope: RequestScope, req: IncomingMessage, services: LoginServices): CookieReading {
  const secure = scope.proto === 'https';
  const base = scope.runtime.config.session.cookie_name;
  const cookies = parseCookieHeader(req.headers.cookie);
  const sessionCookie = cookieName(base, secure);
  return {
    secure,
    cookies,
    sessionCookie,
    anonymousCookie: cookieName(anonymousCookieBase(base), secure),
    ref: readSessionRef(services.signer, cookies, sessionCookie),
  };
}

/** The session stage's answer. A literal, not a spread of the reading: spreading took V8's slow path, microseconds a request. */
function answer(
  read: CookieReading,
  state: SessionState,
  session?: SessionRecord,
  pending?: PendingRecord,
): RequestSession {
  return {
    secure: read.secure,
    cookies: read.cookies,
    sessionCookie: read.sessionCookie,
    anonymousCookie: read.anonymousCookie,
    ref: read.ref,
    session,
    pending,
    state,
  };
}

/**
 * resolveRequestSession's answer when memory gives it, without waiting for anything: nobody
 * (no valid gateway cookie), or a full session whose record, role and session epoch the
 * 2-second caches hold unchanged. Undefined when resolveRequestSession must be asked (a pending login, a record or
 * role to read, a session over or to end). Most requests are answered here, and the guard
 * then decides and forwards them with no await: five nested ones, on promises already
 * resolved, cost about a microsecond a request (issue 17).
 */
export function cachedRequestSession(
  scope: RequestScope,
  req: IncomingMessage,
  services: LoginServices,
): RequestSession | undefined {
  const read = readCookies(scope, req, services);
  const { ref } = read;
  if (ref === undefined) return answer(read, 'none');
  if (ref.kind !== 'session') return undefined;
  const session = services.records.cachedSession(ref.id, ref.generation);
  if (!session || !services.roles.unchangedNow(session, scope.runtime.roles)) return undefined;
  return answer(read, 'full', session);
}

/**
 * Reads the gateway cookie and loads the record it names (a store failure rejects: 503, never
 * "no session"). A session or pending login whose user's role changed since the login (a
 * demotion with set-role or in gateway.yaml) is ended here: the role decided the second step
 * and the allowlist of that login, so it must be taken again. So is one issued in a session
 * epoch of its user that has ended since (records.revoke: one its index read missed).
 */
export async function resolveRequestSession(
  scope: RequestScope,
  req: IncomingMessage,
  services: LoginServices,
): Promise<RequestSession> {
  const read = readCookies(scope, req, services);
  const { ref } = read;
  const changeSince = (issued: IssuedUnder) => services.roles.changeSince(issued, scope.runtime.roles);
  if (ref?.kind === 'session') {
    const session = await services.records.getSession(ref.id, ref.generation);
    const change = session && (await changeSince(session));
    if (session && !change) return answer(read, 'full', session);
    if (session) await endSession(services, scope, session.id, change === 'role' ? 'role changed' : 'sessions ended');
  } else if (ref?.kind === 'pending') {
    const pending = await services.records.getPending(ref.id);
    const change = pending && (await changeSince(pending));
    if (pending && !change) return answer(read, 'pending', undefined, pending);
    if (pending) await endPending(scope, services, pending, change === 'role' ? 'role_changed' : 'sessions_ended');
  }
  return answer(read, 'none');
}

/** The Set-Cookie line that hands the browser this session or pending login (a new id each time, S4). */
export function issueSessionCookie(services: LoginServices, rs: RequestSession, ref: SessionRef): string {
  return serializeCookie(rs.sessionCookie, sessionCookieValue(services.signer, ref), rs.secure);
}

/** The trusted-browser record this browser's cookie names, if its signature holds. */
export function trustedBrowserId(scope: RequestScope, rs: RequestSession, services: LoginServices): string | undefined {
  const name = cookieName(trustCookieBase(scope.runtime.config.session.cookie_name), rs.secure);
  return readTrustId(services.signer, rs.cookies, name);
}

/** The Set-Cookie line of a trusted-browser cookie: as long-lived as the trust, which the record bounds anyway. */
export function issueTrustCookie(
  scope: RequestScope,
  rs: RequestSession,
  services: LoginServices,
  id: string,
  days: number,
): string {
  const name = cookieName(trustCookieBase(scope.runtime.config.session.cookie_name), rs.secure);
  return serializeCookie(name, trustCookieValue(services.signer, id), rs.secure, days * 24 * 60 * 60);
}

export function clearSessionCookie(rs: RequestSession): string {
  return clearCookie(rs.sessionCookie, rs.secure);
}

/** The anonymous visitor's jar from the sealed cookie, minus the values a login has claimed. */
export async function readAnonymousJar(rs: RequestSession, services: LoginServices): Promise<Jar> {
  const sealed = rs.cookies.find(([name]) => name === rs.anonymousCookie)?.[1];
  return withoutClaimed(services.store, services.keys.digest, openAnonymous(services.sealer, sealed, services.now()));
}

/** The Set-Cookie line that hands the browser its anonymous jar, sealed (or deletes it when empty). */
export function anonymousCookieLine(
  scope: RequestScope,
  rs: RequestSession,
  services: LoginServices,
  jar: Jar,
): string {
  if (Object.keys(jar).length === 0) return clearCookie(rs.anonymousCookie, rs.secure);
  const lifetime = scope.runtime.config.session.anonymous;
  const { value, dropped } = sealAnonymous(services.sealer, jar, services.now() + lifetime);
  if (dropped > 0) services.logger.warn({ event: 'vault.anonymous_too_large', dropped, request_id: scope.id });
  return serializeCookie(rs.anonymousCookie, value, rs.secure, Math.floor(lifetime / 1000));
}

/** The pass-through cookie names of a configuration as a set, built once per configuration. */
const nameSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function nameSet(names: readonly string[]): ReadonlySet<string> {
  let set = nameSets.get(names);
  if (!set) {
    set = new Set(names);
    nameSets.set(names, set);
  }
  return set;
}

/** The Cookie header for the upstream: the vault's cookies for this path, plus the browser's pass-through ones. */
export function upstreamCookieHeader(
  jar: Jar,
  scope: RequestScope,
  req: IncomingMessage,
  rs: RequestSession,
  now: number,
): string {
  const names = nameSet(scope.runtime.config.login?.pass_through_cookies ?? []);
  // A cross-site request must not carry the app's SameSite=Strict cookies (Sec-Fetch-Site says so).
  const crossSite = req.headers['sec-fetch-site'] === 'cross-site';
  const fromVault = cookieHeader(jar, scope.target.path, now, crossSite);
  const passed = names.size === 0 ? '' : passThroughCookies(rs.cookies, names);
  return fromVault && passed ? `${fromVault}; ${passed}` : fromVault || passed;
}

/** Splits upstream Set-Cookie lines into the vault's and the pass-through ones (by cookie name). */
export function splitSetCookies(
  lines: readonly string[],
  passThrough: readonly string[],
): { vault: string[]; client: string[] } {
  const names = nameSet(passThrough);
  const vault: string[] = [];
  const client: string[] = [];
  for (const line of lines) {
    const name = line.slice(0, Math.max(0, line.indexOf('='))).trim();
    (names.has(name) ? client : vault).push(line);
  }
  return { vault, client };
}

/**
 * The allowlist's verdict for whom a request acts (S3): `who` at the client's address resolved
 * per S7, under the lists in force for `runtime` (no I/O); undefined for nobody.
 */
export function allowlistFact(
  runtime: RuntimeConfig,
  client: ClientAddress,
  services: Pick<LoginServices, 'allowlists'>,
  who: AllowlistSubject | undefined,
): AllowlistVerdict | undefined {
  if (!who) return undefined;
  return allowlistVerdictFor(runtime.config.policy, services.allowlists.current(runtime), who, client.key);
}
