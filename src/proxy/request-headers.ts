// Owns the headers sent upstream, built in a fixed order: drop hop-by-hop and
// Connection-named headers; drop every header the gateway itself asserts (S7, S8) and
// the method/URL override headers, in every spelling; then add the gateway's own.

import type { RequestScope } from '../http/scope.js';
import { lowerHeaderKey } from '../net/header-key.js';
import { connectionTokens, HOP_BY_HOP, isHopByHop } from './hop-headers.js';

/**
 * Headers a client must never be able to set or pass on, compared lower-cased with "_" read as "-"
 * (many app frameworks treat X_Forwarded_For as X-Forwarded-For).
 */
const NEVER_FORWARDED = new Set([
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
  // Other spellings of the client's address and scheme that frameworks fall back to (Rails'
  // remote_ip reads Client-IP; CDNs add their own): only the gateway's X-Forwarded-* say it.
  'client-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-original-forwarded-for',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'front-end-https',
  // Method and URL overrides would let a request be routed by the gateway as one thing and
  // served by the upstream as another.
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
  'x-original-method',
  // Node answers Expect: 100-continue itself before the body is read; undici refuses the header.
  'expect',
  // httpoxy (CVE-2016-5385 and kin): a CGI app gets a client's Proxy header as HTTP_PROXY, which
  // HTTP libraries take for the proxy of the app's own outgoing requests. No client sends it
  // for any other reason.
  'proxy',
]);

export interface UpstreamHeaderOptions {
  /** The Host header to send: the client's (preserve_host) or the upstream's. */
  host: string;
  /** Keep Upgrade and Connection: upgrade (a WebSocket handshake). */
  upgrade?: string;
}

/** Builds the upstream request's headers as a flat [name, value, …] list, names in their original case. */
export function buildUpstreamHeaders(
  rawHeaders: readonly string[],
  scope: RequestScope,
  options: UpstreamHeaderOptions,
): string[] {
  // Each name is lower-cased once, here: the Connection values must be known before the first
  // header is kept, and each name was lower-cased three times (about 25 ns each, issue 17).
  const lowerNames: string[] = [];
  const connection: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = (rawHeaders[i] as string).toLowerCase();
    lowerNames.push(lower);
    if (lower === 'connection') connection.push(rawHeaders[i + 1] as string);
  }
  const tokens = connectionTokens(connection);
  const headers: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = lowerNames[i >> 1] as string;
    const key = lowerHeaderKey(lower);
    // The fixed hop-by-hop names in every spelling too: a CGI or WSGI app reads Proxy_Authorization
    // and Transfer_Encoding under the same variable as the dashed names.
    if (
      isHopByHop(lower, tokens) ||
      HOP_BY_HOP.has(key) ||
      NEVER_FORWARDED.has(key) ||
      scope.runtime.identityHeaderKeys.has(key)
    ) {
      continue;
    }
    // With the vault, the browser's cookies are never forwarded: the vault rebuilds the header.
    if (scope.vault && lower === 'cookie') continue;
    headers.push(name, rawHeaders[i + 1] as string);
  }
  if (scope.vault && scope.vault.cookieHeader !== '') headers.push('cookie', scope.vault.cookieHeader);
  headers.push(
    'host',
    options.host,
    'x-forwarded-for',
    scope.client.forwardedFor.join(', '),
    'x-forwarded-proto',
    scope.proto,
    'x-forwarded-host',
    scope.host,
    'x-real-ip',
    scope.client.address,
    'x-request-id',
    scope.id,
  );
  const identity = scope.runtime.config.upstream.identity_headers;
  if (scope.session) {
    // Only a full session's identity is asserted; the client's own copies were removed above (S8).
    if (identity.user) headers.push(identity.user, scope.session.user);
    if (identity.role) headers.push(identity.role, scope.session.role);
  }
  if (options.upgrade !== undefined) headers.push('connection', 'upgrade', 'upgrade', options.upgrade);
  return headers;
}
