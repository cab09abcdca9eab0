// Owns the recent-audit trail (issue 16): the newest audit events kept in the shared store as
// one capped list with a time-to-live, so that the admin console of every gateway sharing the
// store (and the operator CLI's changes) shows the same trail. A line is redacted by the same
// pino redaction as the log (never a secret, password, code, answer or cookie value), and
// writing it never holds up, nor fails, what was audited: the log line stays the record.

import type { Store } from '../store/store.js';
import { createAuditRedactor } from './audit-redact.js';
import type { Logger } from './logger.js';

/** How many events the trail keeps at most (the oldest beyond it are dropped). */
export const AUDIT_TRAIL_SIZE = 1_000;
/** How long the trail lives after its last event: a quiet gateway's trail does not stay forever. */
export const AUDIT_TRAIL_TTL_MS = 7 * 24 * 3_600_000;
const TRAIL_KEY = 'audit:recent';
/** A failing store is said in the log at most this often, not once per event. */
const WARN_EVERY_MS = 60_000;

/** One event of the trail: when, its stable name, and its facts as the log has them. */
export interface AuditLine {
  readonly at: number;
  readonly event: string;
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What the console filters on; every field optional. */
export interface AuditFilter {
  /** The user the event is about, or the admin or operator who acted. */
  readonly user?: string;
  /** An event name ("session.revoked") or its family ("session"). */
  readonly event?: string;
  /** From this time on (ms since the epoch, inclusive). */
  readonly from?: number;
  /** Up to this time (exclusive). */
  readonly to?: number;
}

export interface AuditTrail {
  /**
   * Adds an event in the background, at `at` (now by default; an event recovered from an audit
   * outbox keeps its own time); the promise says whether the store took it, for a caller that
   * must know (audit-outbox.ts) and never rejects.
   */
  record(event: string, facts: Readonly<Record<string, unknown>>, at?: number): Promise<boolean>;
  /** Resolves once every event recorded so far is written (or failed): the CLI waits before it closes the store. */
  settled(): Promise<void>;
  /** The events kept, newest first, that match `filter`. */
  recent(filter?: AuditFilter): Promise<AuditLine[]>;
}

/** Whether a line matches the filter (pure). */
export function matchesAuditFilter(line: AuditLine, filter: AuditFilter): boolean {
  const { user, event, from, to } = filter;
  if (user !== undefined && ![line.facts.user, line.facts.admin, line.facts.operator].includes(user)) return false;
  if (event !== undefined && line.event !== event && !line.event.startsWith(`${event}.`)) return false;
  if (from !== undefined && line.at < from) return false;
  if (to !== undefined && line.at >= to) return false;
  return true;
}

function parseLine(text: string): AuditLine | undefined {
  try {
    const { at, event, ...facts } = JSON.parse(text) as Record<string, unknown>;
    return typeof at === 'number' && typeof event === 'string' ? { at, event, facts } : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the trail kept in `store`; `logger` hears (rarely) when the store cannot take an event. */
export function createAuditTrail(store: Store, now: () => number, logger?: Logger): AuditTrail {
  const redact = createAuditRedactor();
  const writing = new Set<Promise<boolean>>();
  let warnedAt = Number.NEGATIVE_INFINITY;
  return {
    record(event, facts, at = now()) {
      const line = JSON.stringify({ ...redact(facts), at, event });
      const write = store
        .pushCapped(TRAIL_KEY, line, AUDIT_TRAIL_SIZE, AUDIT_TRAIL_TTL_MS)
        .then(
          () => true,
          (error: unknown) => {
            if (now() - warnedAt >= WARN_EVERY_MS) {
              warnedAt = now();
              logger?.warn({ err: error, event: 'audit_trail.unavailable' }, 'could not add to the recent-audit trail');
            }
            return false;
          },
        )
        .finally(() => writing.delete(write));
      writing.add(write);
      return write;
    },
    async settled() {
      await Promise.all(writing);
    },
    async recent(filter = {}) {
      const lines = (await store.listItems(TRAIL_KEY)).map(parseLine);
      return lines.filter((line): line is AuditLine => line !== undefined && matchesAuditFilter(line, filter));
    },
  };
}

const trails = new WeakMap<Logger, AuditTrail>();

/** Sends the audit events written through `logger` to `trail` too. */
export function keepAuditTrail(logger: Logger, trail: AuditTrail): void {
  trails.set(logger, trail);
}

/** The trail that `logger`'s audit events go to, if any. */
export function auditTrailOf(logger: Logger): AuditTrail | undefined {
  return trails.get(logger);
}
