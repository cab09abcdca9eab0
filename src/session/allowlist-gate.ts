// Owns applying the staff allowlists (S3) wherever a user acts through the gateway: the app's
// login before anything is forwarded, every request and WebSocket upgrade of a session, the
// gateway's own pages of a pending login or a session, and WebSockets already open. The
// decision is allowlistVerdict (pure); the lists come from the provider without I/O; the
// address is the one resolved per S7 (scope.client.address), never a raw header.
//
// A refused request of a session is refused, and the session is not ended: the address belongs
// to the request, not to the session. Someone replaying a stolen cookie from outside the list
// cannot end its owner's session, and a staff member whose laptop fell back to another network
// works again once back on the office network; an abandoned session still ends at its idle timeout.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type AllowlistVerdict, allowlistVerdict } from '../access/allowlist-verdict.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ClientAddress } from '../http/client-ip.js';
import type { GatewayErrorCode } from '../http/errors.js';
import { sendError, sendSocketError } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { AddressKey } from '../net/ip.js';
import { audit } from '../ops/audit.js';
import { CLOSE_POLICY_VIOLATION } from '../proxy/websocket-frames.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import type { RequestSession } from './request-session.js';
import type { LoginServices } from './services.js';

/** Where the check ran, for the audit line. */
export type AllowlistStage = 'login' | 'request' | 'upgrade' | 'gateway_page' | 'websocket';

/** Whose request it is: a canonical username and the role the policy binds to a list. */
export interface AllowlistSubject {
  readonly user: string;
  readonly role: string;
}

/** The verdict for a user at an address under the configuration and lists in force. */
function allowlistVerdictAt(
  runtime: RuntimeConfig,
  services: Pick<LoginServices, 'allowlists'>,
  who: AllowlistSubject,
  address: AddressKey | undefined,
): AllowlistVerdict {
  return allowlistVerdict({
    user: who.user,
    binding: runtime.config.policy[who.role]?.allowlist,
    address,
    lists: services.allowlists.current(runtime),
  });
}

/** The verdict for a user at an address; a refusal is audited. */
function checked(
  runtime: RuntimeConfig,
  services: LoginServices,
  who: AllowlistSubject,
  at: { client: ClientAddress; requestId: string; stage: AllowlistStage },
): AllowlistVerdict {
  const verdict = allowlistVerdictAt(runtime, services, who, at.client.key);
  if (!verdict.allowed) {
    audit(services.logger, 'allowlist.refused', {
      user: who.user,
      role: who.role,
      list: runtime.config.policy[who.role]?.allowlist,
      reason: verdict.reason,
      stage: at.stage,
      client: at.client.address,
      request_id: at.requestId,
    });
  }
  return verdict;
}

/** The refusal for this request (audited), or undefined when the user may be here. */
function refusal(
  scope: RequestScope,
  services: LoginServices,
  who: AllowlistSubject,
  stage: AllowlistStage,
): { code: GatewayErrorCode; reason: string } | undefined {
  const address = scope.client.address;
  const verdict = checked(scope.runtime, services, who, { client: scope.client, requestId: scope.id, stage });
  if (verdict.allowed) return undefined;
  const list = scope.runtime.config.policy[who.role]?.allowlist;
  return verdict.reason === 'not_loaded'
    ? { code: 'ALLOWLIST_UNAVAILABLE', reason: `the allowlists never loaded (list ${list})` }
    : { code: 'ALLOWLIST_REFUSED', reason: `${address} is outside list ${list} for ${who.user}` };
}

/** Refuses the request (403, or 503 when the lists never loaded) when the user may not be here; true when it answered. */
export function refuseOutsideAllowlist(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  services: LoginServices,
  who: AllowlistSubject,
  stage: Exclude<AllowlistStage, 'upgrade' | 'websocket'>,
): boolean {
  const refused = refusal(scope, services, who, stage);
  if (refused) sendError(scope, req, res, refused.code, refused.reason);
  return refused !== undefined;
}

/** The same for a WebSocket upgrade, answered on the raw socket; true when it answered. */
export function refuseUpgradeOutsideAllowlist(
  scope: RequestScope,
  socket: Duplex,
  services: LoginServices,
  who: AllowlistSubject,
): boolean {
  const refused = refusal(scope, services, who, 'upgrade');
  if (refused) sendSocketError(scope, socket, refused.code, refused.reason);
  return refused !== undefined;
}

/**
 * For the gateway's own pages: refuses a pending login's or a session's request from outside
 * its user's list; true when it answered. The gateway's logout is let through: ending a
 * session gives nobody anything.
 */
export function refusedOnGatewayPage(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  rs: RequestSession,
  services: LoginServices,
  route: string,
): boolean {
  const who = rs.session ?? rs.pending;
  if (!who || route === '/logout') return false;
  return refuseOutsideAllowlist(scope, req, res, services, who, 'gateway_page');
}

/**
 * Closes (1008) the open WebSockets whose session's user may no longer be at that socket's
 * address under the lists in force (a list edit, or lists that never loaded); run by the
 * gateway's sweep every second. Pure lookups: no I/O per socket.
 */
export function closeRefusedWebSockets(
  webSockets: WebSocketTracker,
  services: LoginServices,
  runtime: RuntimeConfig,
): number {
  return webSockets.close(CLOSE_POLICY_VIOLATION, (socket) => {
    const session = socket.scope.session;
    if (!session) return false;
    const at = { client: socket.scope.client, requestId: socket.scope.id, stage: 'websocket' as const };
    return !checked(runtime, services, session, at).allowed;
  });
}
