// Owns the listening socket and its lifecycle: plain HTTP or TLS, client timeouts, and the
// graceful stop (stop accepting, close WebSockets, let requests in flight finish within
// the grace period, then close whatever is left).

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { Pipeline } from './pipeline.js';

export interface GatewayServer {
  readonly server: http.Server;
  listen(): Promise<AddressInfo>;
  /** Stops accepting and drains; resolves when every request has ended or the grace period ran out. */
  drain(graceMs: number): Promise<void>;
}

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Whether an upgrade request is a WebSocket handshake (RFC 6455 4.1), the one upgrade the gateway proxies. */
function isWebSocketUpgrade(req: http.IncomingMessage): boolean {
  return req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket';
}

/**
 * Node hands every request with "Connection: upgrade" to the upgrade listener, for good. One
 * the gateway does not proxy (h2c from curl --http2, any other protocol) is given back to the
 * HTTP parser, rebuilt from what Node parsed minus its Upgrade header, and served as the plain
 * request RFC 9110 7.8 allows (re-emitting 'connection' is Node's documented way to inject a socket).
 */
function serveWithoutUpgrade(server: http.Server, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (name.toLowerCase() !== 'upgrade') text += `${name}: ${req.rawHeaders[i + 1]}\r\n`;
  }
  if (head.length > 0) socket.unshift(head);
  socket.unshift(Buffer.from(`${text}\r\n`, 'latin1'));
  server.emit('connection', socket);
}

/**
 * How often Node checks its headers timeout: it looks only this often (every 30 s by default, so a
 * 30 s headers_timeout fired after about 56 s); a quarter of the timeout, between 100 ms and 1 s.
 */
export function timeoutCheckInterval(headersTimeoutMs: number): number {
  return Math.min(1_000, Math.max(100, Math.floor(headersTimeoutMs / 4)));
}

/**
 * Caps open connections per client address (issue 13: 2,000 slow clients starved real users of
 * file descriptors). Peers that are trusted proxies carry many clients and are exempt; the
 * total is capped by Node's maxConnections.
 */
function capConnectionsPerClient(server: http.Server, cap: number, isTrustedPeer: (address: string) => boolean) {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isTrustedPeer(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

export function createGatewayServer(
  listen: Readonly<GatewayConfig['listen']>,
  pipeline: Pipeline,
  logger: Logger,
  isTrustedPeer: (address: string) => boolean = () => false,
): GatewayServer {
  const options: http.ServerOptions = {
    keepAliveTimeout: listen.keep_alive_timeout,
    // Node answers 408 and closes when the headers are late.
    headersTimeout: listen.headers_timeout,
    connectionsCheckingInterval: timeoutCheckInterval(listen.headers_timeout),
    // A body's time is bounded by request-deadline.ts, which lets large uploads at a decent rate through.
    requestTimeout: 0,
  };
  const server = listen.tls
    ? https.createServer({
        ...options,
        cert: readFileSync(listen.tls.cert_file),
        key: readFileSync(listen.tls.key_file),
      })
    : http.createServer(options);
  // A client that stops sending in the middle of an upload would otherwise hold an upstream
  // connection for as long as the upstream waits; silence on the socket this long closes it.
  server.setTimeout(listen.client_idle_timeout);
  server.maxConnections = listen.max_connections;
  capConnectionsPerClient(server, listen.max_connections_per_client, isTrustedPeer);

  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;

  server.on('request', (req, res) => {
    inFlight++;
    if (draining) res.shouldKeepAlive = false;
    // 'close' comes once (Node's emitCloseNT): on(), without once()'s wrapper and removal (issue 17).
    res.on('close', () => {
      inFlight--;
      if (draining && inFlight === 0) drained?.();
    });
    pipeline.handleRequest(req, res);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isWebSocketUpgrade(req)) pipeline.handleUpgrade(req, socket, head);
    else serveWithoutUpgrade(server, req, socket, head);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    logger.debug({ event: 'http.client_error', error_code: error.code }, 'malformed request refused');
    // Node's headers timeout arrives here too: 408, as RFC 9110 15.5.9 says, not 400.
    const answer = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? REQUEST_TIMEOUT : BAD_REQUEST;
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) socket.end(answer);
    socket.destroy();
  });

  return {
    server,
    async listen() {
      server.listen(listen.port, listen.host);
      await once(server, 'listening');
      return server.address() as AddressInfo;
    },
    async drain(graceMs) {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, graceMs).unref();
        });
      }
      server.closeAllConnections();
    },
  };
}
