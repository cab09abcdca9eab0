// Owns the one upstream exchange the gateway must see whole before releasing anything: a
// login. The request body is already read (and bounded); the answer is read up to a bound,
// the rest left unread so that it can still be streamed on if the answer is passed through.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Upstream } from './upstream.js';

export interface ExchangeRequest {
  method: string;
  /** Path and query, exactly as the client sent them. */
  path: string;
  headers: string[];
  body: Buffer | null;
}

export interface ExchangeAnswer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body up to the bound. */
  body: Buffer;
  /** What is left of the body past the bound (unread), or null when it was read whole. */
  rest: Readable | null;
}

/** Sends the request and reads the answer's body up to maxBody bytes. Rejects on upstream errors (undici's codes). */
export async function exchange(
  upstream: Pick<Upstream, 'pool'>,
  request: ExchangeRequest,
  maxBody: number,
): Promise<ExchangeAnswer> {
  const response = await upstream.pool.request({
    method: request.method as Dispatcher.HttpMethod,
    path: request.path,
    headers: request.headers,
    body: request.body,
  });
  const stream = response.body;
  const chunks: Buffer[] = [];
  const truncated = await new Promise<boolean>((resolve, reject) => {
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= maxBody) return;
      // Leave the rest unread, paused, for whoever passes the answer on.
      stream.pause();
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      resolve(true);
    };
    const onEnd = () => resolve(false);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
  return {
    status: response.statusCode,
    statusText: response.statusText,
    headers: response.headers,
    body: Buffer.concat(chunks),
    rest: truncated ? stream : null,
  };
}

/**
 * Drops what is left of an answer's body. undici's body, destroyed before its 'end' is emitted,
 * emits an abort error. While the answer is still arriving undici listens for it, but once the
 * whole body has arrived (paused, so its 'end' waits) nobody does, and an 'error' without a
 * listener is an uncaught exception: the process would end. The answer is being dropped, so
 * its abort is expected.
 */
export function discardRest(answer: Pick<ExchangeAnswer, 'rest'>): void {
  if (!answer.rest) return;
  answer.rest.on('error', () => {});
  answer.rest.destroy();
}
