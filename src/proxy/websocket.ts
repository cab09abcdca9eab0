// Owns forwarding a WebSocket upgrade: the same header hygiene as HTTP, the path byte for
// byte, the pair of sockets registered with the tracker once the upstream agrees.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestScope } from '../http/scope.js';
import { buildUpstreamHeaders } from './request-headers.js';
import { buildClientHeaders } from './response-headers.js';
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
    // These listeners run before http-proxy's own, which write the answer's head from
    // res.headers as they are then: the same response hygiene as HTTP is applied to them first.
    proxyReq.on('response', (res) => {
      context.scope.upstreamStatus = res.statusCode;
      // http-proxy pipes the refusal's body de-chunked: without the upstream's framing headers
      // the answer is delimited by the close that follows it.
      res.headers = { ...buildClientHeaders(res.headers, context.scope), connection: 'close' } as IncomingHttpHeaders;
    });
    proxyReq.on('upgrade', (res, upstreamSocket) => {
      context.scope.upstreamStatus = 101;
      res.headers = {
        ...buildClientHeaders(res.headers, context.scope),
        connection: 'Upgrade',
        upgrade: res.headers.upgrade,
      } as IncomingHttpHeaders;
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
  upstream.wsProxy.ws(req, socket, head, {}, (error: Error) => {
    // After the upstream's answer the client's stream is a WebSocket or that answer's body;
    // an error page written into it would read as garbage, so the connection is only cut.
    if (scope.upstreamStatus !== undefined) socket.destroy();
    else onFailure(error.message);
  });
}
