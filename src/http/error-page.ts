// Owns the rendering of gateway errors: an HTML page for people, JSON for scripts.

import type { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_ERRORS, type GatewayErrorCode } from './errors.js';
import { escapeHtml, renderPage } from './html.js';

/** Whether the client is a script that wants JSON (fetch/XHR) rather than a browser navigating. */
export function prefersJson(headers: IncomingHttpHeaders): boolean {
  const requestedWith = headers['x-requested-with'];
  if (typeof requestedWith === 'string' && requestedWith.toLowerCase() === 'xmlhttprequest') return true;
  const accept = headers.accept ?? '';
  return accept.includes('json') && !accept.includes('text/html');
}

/** What a refusal adds to its fixed sentence: how long to wait (a lockout, S15). */
export interface ErrorDetail {
  retryAfterSeconds?: number;
}

/** "about 15 minutes", "about 1 minute", "a few seconds": a wait as a person reads it. */
export function waitText(seconds: number): string {
  if (seconds < 60) return 'a few seconds';
  const minutes = Math.ceil(seconds / 60);
  return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export interface RenderedError {
  status: number;
  contentType: string;
  body: string;
}

/** Renders the error for this client; the request id lets an operator find the log line. */
export function renderError(
  code: GatewayErrorCode,
  requestId: string,
  json: boolean,
  detail: ErrorDetail = {},
): RenderedError {
  const error = GATEWAY_ERRORS[code];
  const wait = detail.retryAfterSeconds;
  const message = wait === undefined ? error.message : `${error.message} Try again in ${waitText(wait)}.`;
  if (json) {
    return {
      status: error.status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: code.toLowerCase(), message, retry_after: wait, request_id: requestId }),
    };
  }
  const body = `<h1>${escapeHtml(error.title)}</h1><p>${escapeHtml(message)}</p>
<p class="muted">Error ${error.status} · request ${escapeHtml(requestId)}</p>`;
  return { status: error.status, contentType: 'text/html; charset=utf-8', body: renderPage(error.title, body) };
}
