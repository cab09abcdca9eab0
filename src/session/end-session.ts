// Owns ending a full gateway session from a request (app logout, gateway logout, a new login
// in the same browser): the record, its open WebSockets, and the audit line.

import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import { CLOSE_POLICY_VIOLATION } from '../proxy/websocket-frames.js';
import type { LoginServices } from './services.js';

/** Ends a full session: the record, its WebSockets; audit. The browser's cookie is cleared by the caller. */
export async function endSession(
  services: LoginServices,
  scope: RequestScope,
  id: string,
  reason: string,
): Promise<void> {
  const record = await services.records.endSession(id);
  services.webSockets.close(CLOSE_POLICY_VIOLATION, (socket) => socket.scope.session?.id === id);
  if (record)
    audit(services.logger, 'session.logout', {
      user: record.user,
      reason,
      client: scope.client.address,
      request_id: scope.id,
    });
}
