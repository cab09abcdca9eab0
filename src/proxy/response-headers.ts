// Owns the headers sent back to the client: hop-by-hop removed first, then Location and
// Set-Cookie rewritten as configured, then the gateway's request id.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import { withoutHopByHop } from './hop-headers.js';
import { rewriteLocation } from './rewrite.js';
import { outgoingSetCookies, setCookieList } from './upstream-cookies.js';

/** The public origin a rewritten Location points at. */
export function publicOrigin(scope: RequestScope): string {
  return scope.runtime.config.upstream.rewrite.public_origin ?? `${scope.proto}://${scope.host}`;
}

/**
 * The same headers with Content-Disposition first. A loop, not a spread: object rest and spread
 * take V8's slow path, which cost microseconds on every response when it was done for all.
 */
function dispositionFirst(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const ordered: OutgoingHttpHeaders = { 'content-disposition': headers['content-disposition'] };
  for (const [name, value] of Object.entries(headers)) if (name !== 'content-disposition') ordered[name] = value;
  return ordered;
}

/** Builds the client response headers from the upstream's. */
export function buildClientHeaders(upstream: IncomingHttpHeaders, scope: RequestScope): OutgoingHttpHeaders {
  // Node re-encodes a Content-Disposition written after Content-Length (nodejs/node#46528): the
  // raw UTF-8 filename many apps send is then refused (a 502) or mangled. Written first, it is
  // passed on as the bytes received, like every other header.
  const kept = withoutHopByHop(upstream);
  const headers: OutgoingHttpHeaders = kept['content-disposition'] === undefined ? kept : dispositionFirst(kept);
  const { runtime } = scope;
  const rewrite = runtime.config.upstream.rewrite;
  const location = headers.location;
  if (rewrite.location && typeof location === 'string') {
    headers.location = rewriteLocation(location, runtime.upstreamOrigin, publicOrigin(scope));
  }
  const lines = setCookieList(upstream['set-cookie']);
  // With the vault, upstream cookies go to the vault and only pass-through ones reach the browser.
  const forClient = scope.vault ? scope.vault.capture(lines) : lines;
  if (forClient.length > 0) {
    headers['set-cookie'] = outgoingSetCookies(forClient, runtime.upstreamHostname, rewrite.cookie_domain);
  } else {
    delete headers['set-cookie'];
  }
  headers['x-request-id'] = scope.id;
  return headers;
}

/** A Cache-Control directive that lets a shared cache keep an answer (RFC 9111 5.2.2). */
const SHARED_CACHING = /^(public|s-maxage\s*=.*|proxy-revalidate)$/i;

/**
 * The Cache-Control of an answer that now carries the browser's own session cookie: private, so
 * that no shared cache (a CDN, a corporate proxy) keeps it and hands the session to someone else.
 * An app's `public` page that set a cookie was safe to share while the gateway's cookie was not in
 * it; what a browser may keep for itself is unchanged.
 */
export function privateCacheControl(value: string | readonly string[] | number | undefined): string {
  const directives = String(Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '');
  if (directives.some((directive) => /^(no-store|private)$/i.test(directive))) return directives.join(', ');
  return [...directives.filter((directive) => !SHARED_CACHING.test(directive)), 'private'].join(', ');
}

/** Adds the gateway's own Set-Cookie lines to an answer's headers, and keeps shared caches off it. */
export function addGatewayCookies(headers: OutgoingHttpHeaders, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  headers['set-cookie'] = [...setCookieList(headers['set-cookie']), ...cookies];
  headers['cache-control'] = privateCacheControl(headers['cache-control']);
}
