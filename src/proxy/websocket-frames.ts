// Owns the one WebSocket frame the gateway writes itself: a Close frame (RFC 6455 5.5.1),
// so that shutdown and, later, logout or revocation end a proxied WebSocket cleanly.

import { randomBytes } from 'node:crypto';

/** Status 1001: the endpoint is going away (server shutdown). */
export const CLOSE_GOING_AWAY = 1001;
/** Status 1008: policy violation (the session behind the socket ended). */
export const CLOSE_POLICY_VIOLATION = 1008;

/** A Close frame with a status code; masked when it goes to a server, as RFC 6455 5.3 requires of clients. */
export function closeFrame(code: number, masked: boolean): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  if (!masked) return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, body]);
}
