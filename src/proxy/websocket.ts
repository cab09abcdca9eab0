// Owns forwarding a WebSocket upgrade: the same header hygiene as HTTP, the path byte for
// byte, the pair of sockets registered with the tracker once the upstream agrees.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestScope } from '../http/scope.js';
import { buildUpstreamHeaders } from './request-headers.js';
import type { Upstream } from './upstream.js';
import type { WebSocketTracker } from './websocket-tracker.js';

/** Folds a flat header list into the object http-proxy sends (repeated names joined as RFC 9110 5.3 allows). */
function toHeaderObject(flat: readonly string[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}

interface UpgradeContext {
  scope: RequestScope;
  tracker: WebSocketTracker;
}

// http-proxy reports the upstream request through events on the proxy instance; the request
// carries back which upgrade it belongs to.
const contexts = new WeakMap<IncomingMessage, UpgradeContext>();
const wired = new WeakSet<Upstream>();

function wire(upstream: Upstream): void {
  if (wired.has(upstream)) return;
  wired.add(upstream);
  upstream.wsProxy.on('proxyReqWs', (proxyReq, req, socket) => {
    const context = contexts.get(req);
    if (!context) return;
    // http-proxy re-joins the path and collapses repeated slashes; the request line is still unsent here.
    proxyReq.path = context.scope.target.path + context.scope.target.search;
    proxyReq.on('upgrade', (_res, upstreamSocket) => {
      context.tracker.add({ scope: context.scope, client: socket, upstream: upstreamSocket });
    });
  });
}

/** Forwards an upgrade request; a failure before the handshake answers 502 on the raw socket. */
export function forwardUpgrade(
  scope: RequestScope,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  upstream: Upstream,
  tracker: WebSocketTracker,
  onFailure: (reason: string) => void,
): void {
  wire(upstream);
  const { runtime } = scope;
  const host = runtime.config.upstream.preserve_host ? scope.host : runtime.upstreamHost;
  const upgrade = req.headers.upgrade ?? 'websocket';
  req.headers = toHeaderObject(buildUpstreamHeaders(req.rawHeaders, scope, { host, upgrade }));
  contexts.set(req, { scope, tracker });
  upstream.wsProxy.ws(req, socket, head, {}, (error: Error) => onFailure(error.message));
}
