// Owns the headers sent back to the client: hop-by-hop removed first, then Location and
// Set-Cookie rewritten as configured, then the gateway's request id.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import { withoutHopByHop } from './hop-headers.js';
import { rewriteLocation } from './rewrite.js';
import { outgoingSetCookies } from './upstream-cookies.js';

/** The public origin a rewritten Location points at. */
export function publicOrigin(scope: RequestScope): string {
  return scope.runtime.config.upstream.rewrite.public_origin ?? `${scope.proto}://${scope.host}`;
}

/** Builds the client response headers from the upstream's. */
export function buildClientHeaders(upstream: IncomingHttpHeaders, scope: RequestScope): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(upstream);
  const { runtime } = scope;
  const rewrite = runtime.config.upstream.rewrite;
  const location = headers.location;
  if (rewrite.location && typeof location === 'string') {
    headers.location = rewriteLocation(location, runtime.upstreamOrigin, publicOrigin(scope));
  }
  const setCookie = upstream['set-cookie'];
  if (setCookie !== undefined) {
    // undici gives a lone Set-Cookie as a string and several as an array.
    const lines = typeof setCookie === 'string' ? [setCookie] : setCookie;
    headers['set-cookie'] = outgoingSetCookies(lines, runtime.upstreamHostname, rewrite.cookie_domain);
  }
  headers['x-request-id'] = scope.id;
  return headers;
}
