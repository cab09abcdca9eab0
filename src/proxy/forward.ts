// Owns forwarding one HTTP request upstream and streaming the answer back: bodies flow
// both ways without buffering, with backpressure, and either side going away ends the other.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type GatewayErrorCode, upstreamErrorCode } from '../http/errors.js';
import type { RequestScope } from '../http/scope.js';
import { buildUpstreamHeaders } from './request-headers.js';
import { addGatewayCookies, buildClientHeaders } from './response-headers.js';
import type { Upstream } from './upstream.js';

/** Called when forwarding fails before any response byte was sent, so the pipeline can render the error. */
export type ForwardFailure = (code: GatewayErrorCode, reason: string) => void;

class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  readonly code = 'GW_CLIENT_GONE';
}

/** The body of an answer whose head waits for the vault: what arrived meanwhile, and whether it ended. */
interface HeldBody {
  chunks: Buffer[];
  ended: boolean;
}

/** Relays undici's response events to the client response, pausing upstream when the client is slow. */
class ResponseRelay implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #upstreamStartedAt = performance.now();
  #clientGone = false;
  #held: HeldBody | undefined;
  #awaitingDrain = false;

  constructor(
    private readonly scope: RequestScope,
    private readonly res: ServerResponse,
    private readonly onFailure: ForwardFailure,
  ) {
    // on(), not once(): 'close' comes once, and once()'s wrapper cost on every request (issue 17).
    res.on('close', () => {
      if (!res.writableFinished) {
        this.#clientGone = true;
        this.#controller?.abort(new ClientGoneError('client closed the connection'));
      }
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(new ClientGoneError('client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    // The gateway answered already (the client's body did not arrive in time): nothing more to relay.
    if (this.res.headersSent) {
      controller.abort(new ClientGoneError('answered before the upstream'));
      return;
    }
    const clientHeaders = buildClientHeaders(headers, this.scope);
    const writeHead = () => {
      if (statusMessage) this.res.writeHead(statusCode, statusMessage, clientHeaders);
      else this.res.writeHead(statusCode, clientHeaders);
    };
    const stored = this.scope.vault?.stored?.();
    if (!stored) {
      writeHead();
      return;
    }
    // S14: the cookies this answer set are written to the vault before the browser sees the
    // answer, so that a redirect followed at once (a message shown once, a password change's
    // new session) carries them. Meanwhile the upstream is paused and what came is kept.
    controller.pause();
    const held: HeldBody = { chunks: [], ended: false };
    this.#held = held;
    void stored.then((gatewayCookies) => {
      this.#held = undefined;
      // The client left, or the gateway answered the request itself meanwhile (an upstream error).
      if (this.#clientGone || this.res.headersSent) return;
      addGatewayCookies(clientHeaders, gatewayCookies);
      writeHead();
      for (const chunk of held.chunks) this.res.write(chunk);
      if (held.ended) this.res.end();
      else if (this.res.writableNeedDrain) this.#pauseUntilDrained(controller);
      else controller.resume();
    });
  }

  /**
   * Pauses the upstream until the client has taken what was written. The 'drain' listener is
   * added only then: most answers never wait for one, and a listener per request cost time.
   */
  #pauseUntilDrained(controller: Dispatcher.DispatchController): void {
    controller.pause();
    if (this.#awaitingDrain) return;
    this.#awaitingDrain = true;
    this.res.once('drain', () => {
      this.#awaitingDrain = false;
      controller.resume();
    });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#held) {
      this.#held.chunks.push(chunk);
      return;
    }
    if (!this.res.write(chunk)) this.#pauseUntilDrained(controller);
  }

  onResponseEnd(): void {
    this.scope.upstreamMs = performance.now() - this.#upstreamStartedAt;
    if (this.#held) this.#held.ended = true;
    else this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.scope.upstreamMs = performance.now() - this.#upstreamStartedAt;
    if (this.#clientGone || error instanceof ClientGoneError) return;
    if (!this.res.headersSent) {
      this.onFailure(upstreamErrorCode(error), `${(error as { code?: string }).code ?? error.name}: ${error.message}`);
      return;
    }
    // Headers are out: the only honest signal left is a truncated response.
    this.scope.errorCode = upstreamErrorCode(error);
    this.scope.errorReason = `upstream failed mid-response: ${error.message}`;
    this.res.destroy(error);
  }
}

/** Whether the client announced a request body (Node has already refused the ambiguous combinations). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The request body as undici reads it. undici destroys a body it stops sending (the upstream
 * answered before reading it all, or failed), and destroying an IncomingMessage destroys the
 * client's connection, answer included. undici gets a pass-through instead; what it leaves of
 * the body is read and discarded, as Node does with any unread body, so the connection carries
 * the answer and the next request.
 */
function requestBody(req: IncomingMessage): Readable | null {
  if (!hasBody(req)) return null;
  const body = new PassThrough();
  req.pipe(body);
  body.once('close', () => {
    req.unpipe(body);
    if (!req.readableEnded) req.resume();
  });

  return body;
}

/** What goes upstream: the client's request, or one the gateway held (issue 16). */
interface Outgoing {
  method: string;
  rawHeaders: readonly string[];
  body: Readable | Buffer | null;
}

function dispatch(
  scope: RequestScope,
  res: ServerResponse,
  upstream: Upstream,
  outgoing: Outgoing,
  onFailure: ForwardFailure,
): void {
  const { runtime } = scope;
  const host = runtime.config.upstream.preserve_host ? scope.host : runtime.upstreamHost;
  const relay = new ResponseRelay(scope, res, onFailure);
  try {
    upstream.pool.dispatch(
      {
        path: scope.target.path + scope.target.search,
        method: outgoing.method as Dispatcher.HttpMethod,
        headers: buildUpstreamHeaders(outgoing.rawHeaders, scope, { host }),
        body: outgoing.body,
      },
      relay,
    );
  } catch (error) {
    // undici validates synchronously (a header value it refuses): a bad request, never a crash.
    if (outgoing.body instanceof PassThrough) outgoing.body.destroy();
    onFailure('BAD_REQUEST_TARGET', `refused by the HTTP client: ${(error as Error).message}`);
  }
}

/** Forwards the request with the same method, path and query; the response streams back through the relay. */
export function forward(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  onFailure: ForwardFailure,
): void {
  const body = requestBody(req);
  // The answer is over (the gateway's 408, a client gone) while the body is not whole: whatever
  // undici still sends of it goes nowhere, so the upstream request ends too.
  if (body) {
    res.once('close', () => {
      if (!req.complete) body.destroy(new ClientGoneError('answer over before the request body'));
    });
  }
  dispatch(scope, res, upstream, { method: req.method as string, rawHeaders: req.rawHeaders, body }, onFailure);
}

/**
 * Sends a request the gateway held whole (its target is `scope.target`) with its headers and
 * body as received; the app's answer streams back to `res` as any answer does.
 */
export function forwardHeld(
  scope: RequestScope,
  res: ServerResponse,
  upstream: Upstream,
  held: { method: string; rawHeaders: readonly string[]; body: Buffer },
  onFailure: ForwardFailure,
): void {
  // A body held whole has one length: the client's chunked framing is a hop's, dropped with it.
  dispatch(scope, res, upstream, { ...held, body: held.body.length > 0 ? held.body : null }, onFailure);
}
