// Turns each HTTP request into a routed handler call, and every failure into a proper error response.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HttpError } from './errors.js';
import { acceptsJson, sendHtml, sendJson } from './responses.js';
import { type Router, requestUrl } from './router.js';
import type { Logger } from './services.js';
import { errorPage } from './views.js';

// Every page is per-user, so nothing is cacheable unless a route says otherwise (static assets do).
const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

function sendFailure(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL | undefined,
  error: unknown,
  logger: Logger,
): void {
  // The client went away, or a streamed body broke halfway: no error response can be sent any more.
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const status = error instanceof HttpError ? error.status : 500;
  if (status === 500) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    logger.error(`invoice-app: ${req.method} ${url?.pathname ?? '?'} failed: ${detail}`);
  }
  const message = error instanceof HttpError ? error.message : 'internal server error';
  // An unread request body would have to be drained before the connection could carry another request.
  if (!req.complete) res.setHeader('Connection', 'close');
  if (url?.pathname.startsWith('/api/') || acceptsJson(req)) sendJson(res, status, { error: message });
  else sendHtml(res, status, errorPage(status, message));
}

async function handle(router: Router, logger: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  let url: URL | undefined;
  // Only the path is logged: query strings may carry CSRF tokens or share tokens.
  res.once('finish', () => {
    const elapsed = Math.round(performance.now() - startedAt);
    logger.info(`invoice-app: ${req.method} ${url?.pathname ?? '?'} ${res.statusCode} ${elapsed}ms`);
  });
  for (const [name, value] of Object.entries(BASELINE_HEADERS)) res.setHeader(name, value);
  try {
    url = requestUrl(req);
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'none') throw new HttpError(404, 'page not found');
    if (match.kind === 'wrong-method') {
      res.setHeader('Allow', match.allowed.join(', '));
      throw new HttpError(405, 'method not allowed');
    }
    await match.handler({ req, res, url, params: match.params });
  } catch (error) {
    sendFailure(req, res, url, error, logger);
  }
}

export function createRequestListener(router: Router, logger: Logger): RequestListener {
  return (req, res) => {
    void handle(router, logger, req, res);
  };
}
