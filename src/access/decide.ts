// Owns the access decision, one pure function: from plain facts about a request, its session,
// the path rule it meets, the allowlist's verdict, the lockouts and what the second step owes,
// what happens next. No I/O here; tested as a table (test/access/decide.test.ts). The
// callers gather the facts (the session stage, the login interception, the gateway's pages,
// the WebSocket sweep) and carry the decision out.

import { isRoute, type PathRequirement, type RouteMatch } from '../config/path-rules.js';
import type { FactorKind } from '../factors/factor.js';
import type { RequestTarget } from '../net/request-target.js';
import type { AllowlistVerdict } from './allowlist-verdict.js';

/**
 * What a request addresses: the app's login, its logout, a public or a private path of the app,
 * a login path under a method that could check a password past the gateway, or one of the
 * gateway's own pages (its logout apart: ending a session gives nobody anything).
 */
export type RouteKind =
  | 'login'
  | 'logout'
  | 'public'
  | 'private'
  | 'login-path-other-method'
  | 'gateway-page'
  | 'gateway-logout';
export type SessionState = 'full' | 'pending' | 'none';

/**
 * What the second step owes for a user: nothing, a check of the factor they enrolled (one at a
 * time, so it names which), an enrollment, or a replacement: a check of the security questions
 * their role may no longer use, then an enrollment in their place (issue 15).
 */
export type SecondStep = 'none' | FactorKind | 'enroll' | 'replace';

/** Why a request is refused, each with its own answer (405, 403, 503, 429, 403). */
export type RefusalReason = 'method' | 'allowlist' | 'allowlist_unavailable' | 'locked' | 'rule';

export type Decision =
  /** Forward, with the session's vault or the anonymous one. */
  | { action: 'forward'; vault: 'session' | 'anonymous' }
  /** A login whose username is not read yet: read it (the body), then decide again with its facts. */
  | { action: 'read-login' }
  /** A login that passed the checks made before forwarding: send the password to the app. */
  | { action: 'check-password' }
  /** The app accepted the password and nothing more is owed: a full session, the answer released. */
  | { action: 'start-session' }
  /** The app accepted the password and a second step is owed: the answer withheld until it is passed (or enrolled). */
  | { action: 'withhold'; step: Exclude<SecondStep, 'none'> }
  /** The app's logout: forward with the vault, then end the gateway session. */
  | { action: 'logout' }
  /** One of the gateway's own pages: the portal serves it. */
  | { action: 'serve' }
  /** No full session on a private path: a browser goes to the login page (or back to its second step). */
  | { action: 'redirect'; to: 'login' | 'step-up' }
  /**
   * A full session on a path whose rule asks for a (fresh) second step it has not passed: the
   * person passes it again on the gateway's step-up page. A request that cannot simply be asked
   * again (anything but GET and HEAD: a form post) is held meanwhile, and sent once it is passed.
   */
  | { action: 'confirm'; hold: boolean }
  /** No full session (or, `need`, no passed second step) for a script: 401 JSON. */
  | { action: 'unauthorized'; need?: 'second_step' }
  | { action: 'refuse'; reason: RefusalReason };

/** What is known of a login once its username is read: facts about the user typed, not the session's. */
export interface LoginFacts {
  /** The allowlist's verdict for the typed user at the client's address. */
  allowlist: AllowlistVerdict;
  /** Whether a lock stands against this login (its user or its address). */
  locked: boolean;
  /** What the second step owes, once the app accepted the password. */
  owed?: SecondStep;
}

export interface RequestFacts {
  route: RouteKind;
  session: SessionState;
  wantsJson: boolean;
  /**
   * The allowlist's verdict for the session's or the pending login's user at the client's
   * address (S7); absent for nobody. A login is judged on its own facts (`login`).
   */
  allowlist?: AllowlistVerdict;
  /** A login's facts, once its username is read; absent before. */
  login?: LoginFacts;
  /** What the path rule the request meets requires (config/path-rules.ts); a session when absent. */
  requirement?: PathRequirement;
  /** The request's method: a confirmation of anything but GET or HEAD holds the request. */
  method?: string;
  /** When the full session last passed a second step (ms since the epoch); absent when it never did. */
  secondStepAt?: number;
  /** The time of the decision (ms since the epoch), for a fresh_second_step rule. */
  now?: number;
}

/**
 * Which kind of route this is, on the routing path (so every spelling of a route is that route,
 * S1) and, for a route that names query parameters, the query. `credentials`: the request may
 * carry a credential field (one is in its query, or it has a body the gateway has not read yet).
 */
export function classifyRoute(
  method: string,
  target: Pick<RequestTarget, 'routingPath' | 'search'>,
  login: { routes: readonly RouteMatch[]; logout_routes: readonly RouteMatch[] },
  requirement: PathRequirement,
  credentials = false,
): RouteKind {
  // Loops, not some() with closures: this runs for every request (issue 17).
  let loginPath = false;
  for (const route of login.routes) {
    if (isRoute(route, method, target)) return 'login';
    // The path alone, whatever the query: an app may check a password on any request to it.
    if (route.path === target.routingPath) loginPath = true;
  }
  // Lenient apps check a password whatever the method (PHP's $_REQUEST, Flask's request.values):
  // a credential on a login path, with any method (a GET's query or body included), is a login,
  // with its checks and classification, never a page view (issue 11).
  if (loginPath && credentials) return 'login';
  // Another writing method without one (PUT, PATCH, DELETE…) has no business there: only
  // reading the page is forwarded.
  if (loginPath && method !== 'GET' && method !== 'HEAD') return 'login-path-other-method';
  for (const route of login.logout_routes) if (isRoute(route, method, target)) return 'logout';
  return requirement.access === 'public' ? 'public' : 'private';
}

/** The answer to a login at each step: read it, refuse it, send it on, then release or withhold the app's answer. */
function decideLogin(login: LoginFacts | undefined): Decision {
  if (login === undefined) return { action: 'read-login' };
  if (!login.allowlist.allowed) return refusalOutside(login.allowlist);
  if (login.locked) return { action: 'refuse', reason: 'locked' };
  if (login.owed === undefined) return { action: 'check-password' };
  if (login.owed === 'none') return { action: 'start-session' };
  return { action: 'withhold', step: login.owed };
}

function refusalOutside(verdict: Extract<AllowlistVerdict, { allowed: false }>): Decision {
  return { action: 'refuse', reason: verdict.reason === 'not_loaded' ? 'allowlist_unavailable' : 'allowlist' };
}

/** Whether the session's second step meets the rule: passed at all, or within the rule's time. */
function secondStepSatisfies(facts: RequestFacts): boolean {
  const requirement = facts.requirement;
  if (requirement?.access === 'second_step') return facts.secondStepAt !== undefined;
  if (requirement?.access !== 'fresh_second_step') return true;
  if (facts.secondStepAt === undefined || facts.now === undefined) return false;
  return facts.now - facts.secondStepAt <= requirement.withinMs;
}

/** The decisions of most requests, one object each rather than a new one per request (issue 17). */
const FORWARD_SESSION: Decision = Object.freeze({ action: 'forward', vault: 'session' });
const FORWARD_ANONYMOUS: Decision = Object.freeze({ action: 'forward', vault: 'anonymous' });

/**
 * The decision for a request. S0: without a full session only public paths, the login and the
 * gateway's pages are served. S3: a user outside their allowlist is refused before anything
 * else, on every route but the gateway's logout; a login, for the user it names, before the
 * password is forwarded. Path rules (issue 16) apply to the app's other paths: a denied one is
 * refused to everyone, one that asks for a (fresh) second step sends a session back to pass it.
 */
export function decide(facts: RequestFacts): Decision {
  if (facts.route === 'login-path-other-method') return { action: 'refuse', reason: 'method' };
  if (facts.route === 'gateway-logout') return { action: 'serve' };
  if (facts.route === 'login') return decideLogin(facts.login);
  if (facts.allowlist && !facts.allowlist.allowed) return refusalOutside(facts.allowlist);
  if (facts.route === 'gateway-page') return { action: 'serve' };
  if (facts.route === 'logout' && facts.session === 'full') return { action: 'logout' };
  // A denied path reaches the app for nobody: no session could change that, so no login is asked.
  if (facts.route === 'private' && facts.requirement?.access === 'deny') return { action: 'refuse', reason: 'rule' };
  if (facts.session === 'full') {
    if (facts.route === 'private' && !secondStepSatisfies(facts)) {
      return facts.wantsJson
        ? { action: 'unauthorized', need: 'second_step' }
        : { action: 'confirm', hold: facts.method !== 'GET' && facts.method !== 'HEAD' };
    }
    return FORWARD_SESSION;
  }
  if (facts.route === 'public') return FORWARD_ANONYMOUS;
  if (facts.wantsJson) return { action: 'unauthorized' };
  return { action: 'redirect', to: facts.session === 'pending' ? 'step-up' : 'login' };
}

/**
 * What the second step owes. A user passes a factor they hold that their role may use (the
 * first of TOTP, passkeys, questions; the two-factor page offers both of that kind). A user
 * whose only factors the role may not use (a policy narrowed since) owes never nothing: with
 * security questions where the role may use TOTP, a replacement (the questions asked as ever,
 * then TOTP enrolled in their place: the login is never weaker than what they hold); otherwise
 * an enrollment, which the one-kind rule refuses until an operator resets them. A required step
 * without any factor means enrollment too.
 */
export function secondStepFor(
  role: string,
  enrolled: readonly FactorKind[],
  allowed: readonly FactorKind[],
  policy: Readonly<Record<string, { second_step: 'required' | 'optional' }>>,
): SecondStep {
  const usable = enrolled.filter((kind) => allowed.includes(kind));
  if (usable.length > 0) return usable[0] as FactorKind;
  if (enrolled.includes('questions') && allowed.includes('totp')) return 'replace';
  if (enrolled.length > 0) return 'enroll';
  return policy[role]?.second_step === 'required' ? 'enroll' : 'none';
}
