// Owns the compiled form of a configuration: what every request needs, computed once per
// load (matchers, the upstream's origin), so that the hot path does no parsing.

import { headerKey } from '../net/header-key.js';
import { createIpMatcher, type IpMatcher } from '../net/ip-matcher.js';
import { type CompiledAllowlists, compileAllowlists, withCanonicalUsers } from './allowlist-data.js';
import { compilePathRules, type PathRule } from './path-rules.js';
import { DEFAULT_IDENTITY_HEADERS, type GatewayConfig } from './schema.js';
import { canonicalUsername, usernameRulesOf } from './username.js';

/** Who has which role, as the configuration says (access/roles.ts adds what the store says). */
export interface RoleSettings {
  default_role: string;
  /** Canonical usernames. */
  admins: readonly string[];
  roles: Readonly<Record<string, string>>;
}

export interface RuntimeConfig {
  readonly config: Readonly<GatewayConfig>;
  readonly trustedProxies: IpMatcher;
  /** "http://127.0.0.1:3001": what Location rewriting compares against. */
  readonly upstreamOrigin: string;
  /** The upstream's Host header value ("127.0.0.1:3001"). */
  readonly upstreamHost: string;
  /** The upstream's host name without port, for cookie Domain rewriting. */
  readonly upstreamHostname: string;
  /** Users and roles with usernames canonicalised by the login's rules, so "Alice" in the YAML is alice. */
  readonly roles: RoleSettings;
  /** The identity header names in comparison form (lower-case, "_" as "-"), stripped from every client request (S8). */
  readonly identityHeaderKeys: ReadonlySet<string>;
  /** Networks from which a first enrollment is allowed (enrollment.first: networks). */
  readonly enrollmentNetworks: IpMatcher;
  /** The allowlists of this file, compiled (allowlists.source: yaml); undefined with source redis, which keeps its own. */
  readonly allowlists: CompiledAllowlists | undefined;
  /** The path rules, then the public paths as public rules: first match wins (issue 16, S0). */
  readonly pathRules: readonly PathRule[];
  /** A username in the login's canonical form (unchanged without a login section). */
  canonicalUser(name: string): string;
}

/** Compiles a validated configuration; the schema has already refused anything that could throw here. */
export function compileConfig(config: Readonly<GatewayConfig>): RuntimeConfig {
  const url = new URL(config.upstream.url);
  const rules = config.login?.username;
  const canonical = (name: string) => (rules ? canonicalUsername(name, usernameRulesOf(rules)) : name) ?? name;
  return Object.freeze({
    config,
    trustedProxies: createIpMatcher(config.trusted_proxies),
    upstreamOrigin: url.origin,
    upstreamHost: url.host,
    upstreamHostname: url.hostname.replace(/^\[|\]$/g, ''),
    roles: {
      default_role: config.users.default_role,
      admins: config.users.admins.map(canonical),
      roles: Object.fromEntries(Object.entries(config.users.roles).map(([user, role]) => [canonical(user), role])),
    },
    identityHeaderKeys: new Set(
      [...Object.values(DEFAULT_IDENTITY_HEADERS), ...Object.values(config.upstream.identity_headers)]
        .filter((name): name is string => typeof name === 'string')
        .map(headerKey),
    ),
    enrollmentNetworks: createIpMatcher(config.enrollment.networks),
    allowlists:
      config.allowlists.source === 'yaml'
        ? compileAllowlists(withCanonicalUsers(config.allowlists, canonical))
        : undefined,
    pathRules: compilePathRules(config.rules, config.public_paths),
    canonicalUser: canonical,
  });
}
