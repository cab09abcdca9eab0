// Owns the deadline of a request's body: a client has `body_timeout` after its headers to send
// the body, plus the time `body_min_rate` allows for what it has sent, so a large upload at a
// decent rate is never cut while a client that trickles a login body a byte at a time is (issue
// 13: 2,000 such clients held their connections for minutes). The bytes are counted on the
// socket, not on the body stream, so nothing here reads the body or changes its flow.

import type { IncomingMessage } from 'node:http';

export interface BodyDeadlineSettings {
  /** Milliseconds after the headers. */
  body_timeout: number;
  /** Bytes per second. */
  body_min_rate: number;
}

/** The time (ms since the headers) by which a body of which `received` bytes arrived must be whole (pure). */
export function bodyDeadline(received: number, settings: BodyDeadlineSettings): number {
  return settings.body_timeout + (received / settings.body_min_rate) * 1000;
}

/** Whether the client announced a body (Node has already refused the ambiguous combinations). */
export function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Calls `expired` when the body has not arrived whole by its deadline; stops watching when it
 * has, or when the response is over. Returns nothing to keep: the timers clear themselves.
 */
export function watchBodyDeadline(
  req: IncomingMessage,
  settings: BodyDeadlineSettings,
  expired: () => void,
  now: () => number = performance.now.bind(performance),
): void {
  if (!announcesBody(req) || req.complete) return;
  const socket = req.socket;
  const startedAt = now();
  const startBytes = socket.bytesRead;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const check = () => {
    if (req.complete) return;
    const elapsed = now() - startedAt;
    const deadline = bodyDeadline(socket.bytesRead - startBytes, settings);
    if (elapsed >= deadline) return expired();
    timer = setTimeout(check, deadline - elapsed);
    timer.unref();
  };
  timer = setTimeout(check, settings.body_timeout);
  timer.unref();
  req.once('end', stop);
  req.once('close', stop);
}
