// Owns audit events: security-relevant outcomes with stable names, one log line each, never
// carrying a secret, password, code, answer or cookie value (those are redacted anyway).

import { auditTrailOf } from './audit-trail.js';
import type { Logger } from './logger.js';
import { observerOf } from './observe.js';

export type AuditEvent =
  | 'login.password_failed'
  | 'login.succeeded'
  | 'login.step_up_required'
  | 'login.refused'
  | 'login.identity_differs'
  | 'login.redirect_dropped'
  | 'step_up.passed'
  | 'step_up.failed'
  | 'step_up.abandoned'
  | 'step_up.expired'
  | 'step_up.evicted'
  | 'step_up.renewed'
  | 'access.rule_denied'
  | 'access.request_held'
  | 'access.held_request_sent'
  | 'lockout.started'
  | 'lockout.refused'
  | 'lockout.busy'
  | 'lockout.lifted'
  | 'enrollment.totp_enrolled'
  | 'enrollment.totp_disabled'
  | 'enrollment.questions_enrolled'
  | 'enrollment.questions_changed'
  | 'enrollment.questions_disabled'
  | 'enrollment.refused'
  | 'enrollment.factor_reset'
  | 'enrollment.replacement_started'
  | 'enrollment.replaced'
  | 'enrollment.code_issued'
  | 'enrollment.recovery_code_used'
  | 'enrollment.passkey_renamed'
  | 'passkey.registered'
  | 'passkey.removed'
  | 'trusted_browser.issued'
  | 'trusted_browser.used'
  | 'trusted_browser.revoked'
  | 'allowlist.refused'
  | 'session.logout'
  | 'session.revoked'
  | 'allowlist.entry_added'
  | 'allowlist.entry_removed'
  | 'allowlist.edit_refused'
  | 'users.role_set';

/** The line, its count, and its trail write (when a trail is kept). */
function writeAuditLine(logger: Logger, event: AuditEvent, facts: Record<string, unknown>, at?: number) {
  logger.info({ audit: true, event, ...facts });
  observerOf(logger)?.audit(event, facts);
  return auditTrailOf(logger)?.record(event, facts, at);
}

/**
 * Writes one audit line: { audit: true, event, ...facts } (and counts it, when metrics observe
 * the logger; and adds it to the recent-audit trail the admin console shows, when one is kept).
 */
export function audit(logger: Logger, event: AuditEvent, facts: Record<string, unknown>): void {
  writeAuditLine(logger, event, facts);
}

/**
 * Writes the audit line as `audit` does and resolves once it is kept: true when the trail took
 * it (or, with no trail, once the log is flushed), false when the trail's store failed. An audit
 * outbox (audit-outbox.ts) waits for it before it forgets the event: a batched log line is lost
 * with a kill -9, the trail's is not. `at`: the time the event happened, when not now.
 */
export async function auditKept(
  logger: Logger,
  event: AuditEvent,
  facts: Record<string, unknown>,
  at?: number,
): Promise<boolean> {
  const kept = writeAuditLine(logger, event, facts, at);
  if (kept) return kept;
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return true;
}
