// Owns matching a request against the path rules (issue 16): the `rules` list, then
// `public_paths` as public rules, compiled once per load; the first rule whose path and
// methods match decides what the request needs (S0: no match means a session). Used by the
// access decision and by the configuration's own checks (config/route-loops.ts). A public path
// may name query parameters (issue 12); the request's query must then carry them exactly.

import { queryMatches, type RequiredQuery } from '../net/query-match.js';
import type { RequestTarget } from '../net/request-target.js';
import type { PublicPath } from './sections/login.js';
import type { RuleSettings } from './sections/rules.js';

/** What a path needs: nothing, a session (the default), a second step passed at all or within a time, or nothing at all reaches it. */
export type PathRequirement =
  | { readonly access: 'public' }
  | { readonly access: 'session' }
  | { readonly access: 'second_step' }
  | { readonly access: 'fresh_second_step'; readonly withinMs: number }
  | { readonly access: 'deny' };

export interface PathRule {
  /** The path as configured (routing form), for messages. */
  readonly path: string;
  readonly methods?: ReadonlySet<string>;
  readonly matches: (routingPath: string) => boolean;
  /** Query parameters the request must carry exactly (net/query-match.ts); none when absent. */
  readonly query?: RequiredQuery;
  readonly requirement: PathRequirement;
}

export const SESSION_REQUIRED: PathRequirement = Object.freeze({ access: 'session' });

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** "/x" is that path; "/x/" (prefix) also everything below it; "*" any text (not empty) within one segment. */
function pathMatcher(path: string, prefix: boolean): (routingPath: string) => boolean {
  if (!path.includes('*')) {
    return prefix
      ? (routingPath) => routingPath === path || routingPath.startsWith(`${path}/`)
      : (routingPath) => routingPath === path;
  }
  const body = path.split('*').map(escapeRegExp).join('[^/]+');
  const pattern = new RegExp(`^${body}${prefix ? '(?:/.*)?' : ''}$`);
  return (routingPath) => pattern.test(routingPath);
}

function requirementOf(access: RuleSettings['access']): PathRequirement {
  return typeof access === 'string' ? { access } : { access: 'fresh_second_step', withinMs: access.fresh_second_step };
}

/** Compiles the rules, then the public paths as public rules after them (so a rule can narrow a public prefix). */
export function compilePathRules(
  rules: readonly RuleSettings[],
  publicPaths: readonly (Omit<PublicPath, 'query'> & { query?: RequiredQuery })[],
): PathRule[] {
  const compiled: PathRule[] = rules.map((rule) => ({
    path: rule.path.path,
    methods: rule.methods ? new Set(rule.methods) : undefined,
    matches: pathMatcher(rule.path.path, rule.path.prefix),
    requirement: requirementOf(rule.access),
  }));
  for (const entry of publicPaths) {
    compiled.push({
      path: entry.path,
      matches: pathMatcher(entry.path, entry.prefix),
      query: entry.query,
      requirement: { access: 'public' },
    });
  }
  return compiled;
}

/** What the first matching rule requires of a request to this target; a session when none matches. */
export function requirementFor(
  method: string,
  target: Pick<RequestTarget, 'routingPath' | 'search'>,
  rules: readonly PathRule[],
): PathRequirement {
  for (const rule of rules) {
    if (rule.methods && !rule.methods.has(method)) continue;
    if (rule.matches(target.routingPath) && (!rule.query || queryMatches(target.search, rule.query)))
      return rule.requirement;
  }
  return SESSION_REQUIRED;
}

/** A configured route as requests are matched against it: method, routing path, required query parameters. */
export interface RouteMatch {
  readonly method: string;
  readonly path: string;
  readonly query?: RequiredQuery;
}

/** Whether a request is this route: its method, its routing path and the parameters the route requires (issue 12). */
export function isRoute(
  route: RouteMatch,
  method: string,
  target: Pick<RequestTarget, 'routingPath' | 'search'>,
): boolean {
  return (
    route.method === method &&
    route.path === target.routingPath &&
    (route.query === undefined || queryMatches(target.search, route.query))
  );
}
