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

export interface RenderedError {
  status: number;
  contentType: string;
  body: string;
}

/** Renders the error for this client; the request id lets an operator find the log line. */
export function renderError(code: GatewayErrorCode, requestId: string, json: boolean): RenderedError {
  const error = GATEWAY_ERRORS[code];
  if (json) {
    return {
      status: error.status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: code.toLowerCase(), message: error.message, request_id: requestId }),
    };
  }
  const body = `<h1>${escapeHtml(error.title)}</h1><p>${escapeHtml(error.message)}</p>
<p class="muted">Error ${error.status} · request ${escapeHtml(requestId)}</p>`;
  return { status: error.status, contentType: 'text/html; charset=utf-8', body: renderPage(error.title, body) };
}
