// Owns saying who made a change: the facts of its author (an operator at the CLI, an admin on the
// console page) join every audit line and audit outbox entry of that author's changes, built in
// one place for every author.

import { type AuditEvent, audit } from './audit.js';
import type { AuditOutbox, OutboxEntry } from './audit-outbox.js';
import type { Logger } from './logger.js';

/** The facts that name a change's author, e.g. { by: 'cli', operator: 'root' }. */
export type AuditAuthor = Readonly<Record<string, unknown>>;

/** An author's audit: lines, and the outbox entries of changes to a user's factors. */
export interface AuthoredAudit {
  /** One audit line (audit.ts), with the author's facts. */
  audit(event: AuditEvent, facts: Record<string, unknown>): void;
  /**
   * Opens the audit event of a change to the user's factors, with the author's facts, to be
   * written in the change's atomic write (audit-outbox.ts): no crash leaves the change unaudited.
   */
  auditChange(user: string, event: AuditEvent, facts: Record<string, unknown>): OutboxEntry;
}

/** An author's audit lines through `logger` (a command that changes no factor needs no more). */
export function authoredLines(author: AuditAuthor, logger: Logger): AuthoredAudit['audit'] {
  return (event, facts) => audit(logger, event, { ...facts, ...author });
}

/** An author's audit: lines through `logger`, factor changes through `outbox`. */
export function authoredAudit(author: AuditAuthor, logger: Logger, outbox: AuditOutbox): AuthoredAudit {
  return {
    audit: authoredLines(author, logger),
    auditChange: (user, event, facts) => outbox.open(user, [{ event, facts: { ...facts, ...author } }]),
  };
}
