// Owns the configuration checks that refuse routes which send a browser round in circles
// (issue 12): a login page the gateway itself would not serve without a session (S0 would send
// the browser back to it forever), a logout route that is also the login page or a login route
// (every visit to the form, or every login, would end the session it makes), and a landing path
// after the second step that is denied or logs the new session out. Pure: the schema reports
// each at the key an operator would change, and `gateway check-config` prints them.

import { sameQuery } from '../net/query-match.js';
import { parseRequestTarget, type RequestTarget } from '../net/request-target.js';
import { compilePathRules, isRoute, type RouteMatch, requirementFor } from './path-rules.js';
import type { LoginSettings, PublicPath } from './sections/login.js';
import type { RuleSettings } from './sections/rules.js';

export interface RouteLoop {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The parts of a configuration the checks read. */
export interface RouteFacts {
  readonly login: Pick<LoginSettings, 'page' | 'routes' | 'logout_routes' | 'landing_path'>;
  readonly rules: readonly RuleSettings[];
  readonly public_paths: readonly PublicPath[];
}

/** A configured page ("/login?from=gw") as the request a browser sends for it. */
function targetOf(page: string): Pick<RequestTarget, 'routingPath' | 'search'> {
  const parsed = parseRequestTarget(page);
  return parsed.ok ? parsed.target : { routingPath: page, search: '' };
}

const sameRoute = (a: RouteMatch, b: RouteMatch) =>
  a.method === b.method && a.path === b.path && sameQuery(a.query ?? {}, b.query ?? {});

/** Every loop in the configuration's routes, each with the key to change. */
export function routeLoops({ login, rules, public_paths }: RouteFacts): RouteLoop[] {
  const loops: RouteLoop[] = [];
  const pathRules = compilePathRules(rules, public_paths);
  const page = targetOf(login.page);
  const pageRule = requirementFor('GET', page, pathRules);
  if (pageRule.access !== 'public') {
    loops.push({
      path: ['login', 'page'],
      message:
        `must be listed in public_paths (and no earlier rule may cover it; the first that does says ${pageRule.access}): ` +
        `a browser sent to ${login.page} without a session would be sent there again`,
    });
  }
  const landing = targetOf(login.landing_path);
  if (requirementFor('GET', landing, pathRules).access === 'deny') {
    loops.push({
      path: ['login', 'landing_path'],
      message: `is denied by a rule: a browser sent to ${login.landing_path} after its second step would be refused`,
    });
  }
  login.logout_routes.forEach((route, index) => {
    const at = ['login', 'logout_routes', index];
    if (isRoute(route, 'GET', page))
      loops.push({ path: at, message: `is the login page: showing the form (${login.page}) would log out` });
    if (login.routes.some((loginRoute) => sameRoute(loginRoute, route)))
      loops.push({ path: at, message: 'is also a login route: a login would be read as a logout' });
    if (isRoute(route, 'GET', landing))
      loops.push({
        path: at,
        message: `is the landing path: the browser sent to ${login.landing_path} after its second step would log out`,
      });
  });
  return loops;
}
