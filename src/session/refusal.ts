// Owns carrying out a refusal of the access decision (access/decide.ts) wherever one is made:
// the audit event that says why (allowlist.refused with where it happened, lockout.refused with
// the locked subjects) and the one answer for each reason, on a response or on the raw socket of
// an upgrade. The address in the audit line is the one resolved per S7, never a raw header.
//
// A refused request of a session is refused, and the session is not ended: the address belongs
// to the request, not to the session. Someone replaying a stolen cookie from outside the list
// cannot end its owner's session, and a staff member whose laptop fell back to another network
// works again once back on the office network; an abandoned session still ends at its idle timeout.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AllowlistSubject } from '../access/allowlist-verdict.js';
import type { RefusalReason } from '../access/decide.js';
import { type Lock, lockName, secondsLeft } from '../access/regulator.js';
import type { ErrorDetail } from '../http/error-page.js';
import type { GatewayErrorCode } from '../http/errors.js';
import { sendError, sendSocketError } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import type { Logger } from '../ops/logger.js';

/** Where the decision was made, for the audit line. */
export type RefusalStage = 'login' | 'request' | 'upgrade' | 'gateway_page' | 'websocket';

/** A refusal and whom it concerns: the user the request acts for, and the locks that stand, if any. */
export interface Refusal {
  readonly reason: RefusalReason;
  readonly who?: AllowlistSubject;
  readonly locked?: readonly Lock[];
}

const CODES: Readonly<Record<RefusalReason, GatewayErrorCode>> = {
  method: 'METHOD_NOT_ALLOWED',
  allowlist: 'ALLOWLIST_REFUSED',
  allowlist_unavailable: 'ALLOWLIST_UNAVAILABLE',
  locked: 'LOCKED_OUT',
  rule: 'RULE_DENIED',
};

/** Writes the refusal's audit event (a method refusal has none: it names nobody). */
export function auditRefusal(logger: Logger, scope: RequestScope, refusal: Refusal, stage: RefusalStage): void {
  const { reason, who } = refusal;
  const list = who ? scope.runtime.config.policy[who.role]?.allowlist : undefined;
  if (reason === 'allowlist' || reason === 'allowlist_unavailable') {
    audit(logger, 'allowlist.refused', {
      user: who?.user,
      role: who?.role,
      list,
      reason: reason === 'allowlist' ? 'outside' : 'not_loaded',
      stage,
      client: scope.client.address,
      request_id: scope.id,
    });
  } else if (reason === 'rule') {
    audit(logger, 'access.rule_denied', {
      user: who?.user,
      path: scope.target.path,
      client: scope.client.address,
      request_id: scope.id,
    });
  } else if (reason === 'locked') {
    audit(logger, 'lockout.refused', {
      user: who?.user,
      subjects: refusal.locked?.map(lockName),
      client: scope.client.address,
      request_id: scope.id,
    });
  }
}

/** The error code and the reason written to the access log. */
function answerOf(scope: RequestScope, req: { method?: string }, refusal: Refusal): [GatewayErrorCode, string] {
  const { reason, who } = refusal;
  const list = who ? scope.runtime.config.policy[who.role]?.allowlist : undefined;
  const text: Record<RefusalReason, () => string> = {
    method: () => `${req.method} on a login path`,
    allowlist: () => `${scope.client.address} is outside list ${list} for ${who?.user}`,
    allowlist_unavailable: () => `the allowlists never loaded (list ${list})`,
    locked: () => `locked: ${(refusal.locked ?? []).map(lockName).join(', ')}`,
    rule: () => `a deny rule covers ${scope.target.routingPath}`,
  };
  return [CODES[reason], text[reason]()];
}

/** A lockout says how long to wait (S15): until every lock that stands has ended. */
function detailOf(refusal: Refusal, now: number): ErrorDetail {
  return refusal.locked?.length ? { retryAfterSeconds: secondsLeft(refusal.locked, now) } : {};
}

/** Audits and answers a refused request (405, 403, 503 or 429; 403 for a deny rule). */
export function refuse(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  refusal: Refusal,
  stage: Exclude<RefusalStage, 'upgrade' | 'websocket'>,
  now: number = Date.now(),
): void {
  auditRefusal(logger, scope, refusal, stage);
  const [code, reason] = answerOf(scope, req, refusal);
  sendError(scope, req, res, code, reason, detailOf(refusal, now));
}

/**
 * Answers an attempt the guessing limits put off because too many other users are being checked
 * from this address at once (regulator.ts, addressBusy): the busy 503, "try again in a moment".
 * Nothing was counted and no lock stands, so it is not a lockout.refused.
 */
export function refuseBusy(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  user: string,
  layer: 'password' | 'second_step',
): void {
  audit(logger, 'lockout.busy', { user, layer, client: scope.client.address, request_id: scope.id });
  sendError(scope, req, res, 'VERIFICATION_BUSY', `too many users being checked from ${scope.client.address} at once`);
}

/** The same for a WebSocket upgrade, answered on the raw socket. */
export function refuseUpgrade(
  scope: RequestScope,
  req: IncomingMessage,
  socket: Duplex,
  logger: Logger,
  refusal: Refusal,
): void {
  auditRefusal(logger, scope, refusal, 'upgrade');
  const [code, reason] = answerOf(scope, req, refusal);
  sendSocketError(scope, socket, code, reason);
}
