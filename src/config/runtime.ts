// Owns the compiled form of a configuration: what every request needs, computed once per
// load (matchers, the upstream's origin), so that the hot path does no parsing.

import { createIpMatcher, type IpMatcher } from '../net/ip-matcher.js';
import type { GatewayConfig } from './schema.js';

export interface RuntimeConfig {
  readonly config: Readonly<GatewayConfig>;
  readonly trustedProxies: IpMatcher;
  /** "http://127.0.0.1:3001": what Location rewriting compares against. */
  readonly upstreamOrigin: string;
  /** The upstream's Host header value ("127.0.0.1:3001"). */
  readonly upstreamHost: string;
  /** The upstream's host name without port, for cookie Domain rewriting. */
  readonly upstreamHostname: string;
}

/** Compiles a validated configuration; the schema has already refused anything that could throw here. */
export function compileConfig(config: Readonly<GatewayConfig>): RuntimeConfig {
  const url = new URL(config.upstream.url);
  return Object.freeze({
    config,
    trustedProxies: createIpMatcher(config.trusted_proxies),
    upstreamOrigin: url.origin,
    upstreamHost: url.host,
    upstreamHostname: url.hostname.replace(/^\[|\]$/g, ''),
  });
}
