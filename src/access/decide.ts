// Owns the access decision (STYLE.md: "Policy is one pure decision"): from plain facts
// about a request and its session, what happens to it. No I/O here; tested as a table.

import { isPublicPath } from '../config/public-paths.js';
import type { LoginSettings, PublicPath } from '../config/sections/login.js';
import type { FactorKind } from '../factors/factor.js';

export type RouteKind = 'login' | 'logout' | 'public' | 'private' | 'login-path-other-method';
export type SessionState = 'full' | 'pending' | 'none';

export type Decision =
  /** Forward, with the session's vault or the anonymous one. */
  | { action: 'forward'; vault: 'session' | 'anonymous' }
  /** A password check: read the username, check limits, forward, classify the answer. */
  | { action: 'login' }
  /** The app's logout: forward with the vault, then end the gateway session. */
  | { action: 'logout' }
  /** No full session on a private path: a browser goes to the login page (or back to its second step). */
  | { action: 'redirect'; to: 'login' | 'step-up' }
  /** The same for a script: 401 JSON. */
  | { action: 'unauthorized' }
  /** A method the gateway will not forward there (405). */
  | { action: 'refuse' };

export interface RequestFacts {
  route: RouteKind;
  session: SessionState;
  wantsJson: boolean;
}

/**
 * What the second step owes for a user: nothing, a check of the factor they enrolled (one at a
 * time, so it names which), or an enrollment.
 */
export type SecondStep = 'none' | FactorKind | 'enroll';

/** Which kind of route this is, on the routing path (so every spelling of a route is that route, S1). */
export function classifyRoute(
  method: string,
  routingPath: string,
  login: Pick<LoginSettings, 'routes' | 'logout_routes'>,
  publicPaths: readonly PublicPath[],
): RouteKind {
  const matches = (route: { method: string; path: string }) => route.method === method && route.path === routingPath;
  if (login.routes.some(matches)) return 'login';
  // A login path reached with another writing method (PUT, PATCH, a GET with a body…) could
  // check a password past every limit and classification: only reading it is forwarded.
  if (method !== 'GET' && method !== 'HEAD' && login.routes.some((route) => route.path === routingPath)) {
    return 'login-path-other-method';
  }
  if (login.logout_routes.some(matches)) return 'logout';
  return isPublicPath(routingPath, publicPaths) ? 'public' : 'private';
}

/** The decision for a request (S0: without a full session only public paths and the login reach the app). */
export function decide(facts: RequestFacts): Decision {
  if (facts.route === 'login') return { action: 'login' };
  if (facts.route === 'login-path-other-method') return { action: 'refuse' };
  if (facts.session === 'full')
    return facts.route === 'logout' ? { action: 'logout' } : { action: 'forward', vault: 'session' };
  if (facts.route === 'public') return { action: 'forward', vault: 'anonymous' };
  if (facts.wantsJson) return { action: 'unauthorized' };
  return { action: 'redirect', to: facts.session === 'pending' ? 'step-up' : 'login' };
}

/** What the second step owes: a user with a factor always passes it; a required step without one means enrollment. */
export function secondStepFor(
  role: string,
  enrolled: FactorKind | undefined,
  policy: Readonly<Record<string, { second_step: 'required' | 'optional' }>>,
): SecondStep {
  if (enrolled) return enrolled;
  return policy[role]?.second_step === 'required' ? 'enroll' : 'none';
}
