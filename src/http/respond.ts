// Owns writing the gateway's own answers: error pages on a response or on a raw socket
// (an upgrade that never became a WebSocket), JSON bodies, security headers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorDetail, prefersJson, renderError } from './error-page.js';
import type { GatewayErrorCode } from './errors.js';
import { PAGE_SECURITY_HEADERS, SCRIPTED_PAGE_SECURITY_HEADERS } from './html.js';
import type { RequestScope } from './scope.js';

/** Records the error on the scope and answers it, unless the response has already begun. */
export function sendError(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  code: GatewayErrorCode,
  reason: string,
  detail: ErrorDetail = {},
): void {
  scope.errorCode = code;
  scope.errorReason = reason;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = renderError(code, scope.id, prefersJson(req.headers), detail);
  // A request body nobody will read would otherwise be drained through a kept-alive connection.
  if (!req.complete) res.shouldKeepAlive = false;
  res.writeHead(page.status, {
    ...PAGE_SECURITY_HEADERS,
    'content-type': page.contentType,
    'content-length': Buffer.byteLength(page.body),
    'x-request-id': scope.id,
    // RFC 6585 section 4 (429) with RFC 9110 section 10.2.3: how long to wait, for scripts.
    ...(detail.retryAfterSeconds === undefined ? {} : { 'retry-after': String(detail.retryAfterSeconds) }),
  });
  res.end(req.method === 'HEAD' ? undefined : page.body);
}

/** Answers JSON (health endpoints and other small gateway APIs). */
export function sendJson(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...PAGE_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-request-id': scope.id,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Answers an upgrade request that will not be proxied, on the raw socket, then closes it. */
export function sendSocketError(scope: RequestScope, socket: Duplex, code: GatewayErrorCode, reason: string): void {
  scope.errorCode = code;
  scope.errorReason = reason;
  const page = renderError(code, scope.id, true);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${page.status} ${code}\r\nContent-Type: ${page.contentType}\r\nContent-Length: ${Buffer.byteLength(page.body)}\r\n` +
      `X-Request-Id: ${scope.id}\r\nConnection: close\r\n\r\n${page.body}`,
  );
}

/** The Set-Cookie header entry, when there are cookies to set. */
function cookieHeaders(setCookies: readonly string[]): { 'set-cookie'?: string[] } {
  return setCookies.length > 0 ? { 'set-cookie': [...setCookies] } : {};
}

/** Sends the browser elsewhere (303: the next request is a GET), never cached. */
export function sendRedirect(
  scope: RequestScope,
  res: ServerResponse,
  location: string,
  setCookies: readonly string[] = [],
): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'x-request-id': scope.id, ...cookieHeaders(setCookies) });
  res.end();
}

/** Answers one of the gateway's own HTML pages, with its security headers (`scripts`: it runs the gateway's script files). */
export function sendHtml(
  scope: RequestScope,
  res: ServerResponse,
  status: number,
  html: string,
  setCookies: readonly string[] = [],
  { scripts = false }: { scripts?: boolean } = {},
): void {
  res.writeHead(status, {
    ...(scripts ? SCRIPTED_PAGE_SECURITY_HEADERS : PAGE_SECURITY_HEADERS),
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'x-request-id': scope.id,
    ...cookieHeaders(setCookies),
  });
  res.end(html);
}
