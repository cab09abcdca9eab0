// Owns the audit outbox (issue 13): the audit events of a change to a user's second factors
// travel in the change's own atomic store write, as an entry in the user's hash slot, so that
// no crash (kill -9 included) leaves an enrollment, a disable or a reset without its audit
// record. After the write the events are emitted as ever (log line, trail) and the entry is
// deleted once the trail holds them; an entry left by a process that died is emitted by the
// recovery (audit-recovery.ts), marked `recovered`, at least once. Whoever emits an entry, its
// live gateway or a recovering one, first takes its claim: a change slower than a starting
// gateway's grace (a slow store, a GC pause) is emitted by one of them, never both.
//
// How recovery finds entries: the Store has no key scan that works on every backend (a Redis
// Cluster spreads keys over its nodes), and the global index cannot join the user's write (it
// hashes to another slot). So the entry's key is added to the index *before* the change is
// written: an entry that exists is always indexed; an index member whose entry never came (the
// change failed its condition, or the process died first) is dropped by the recovery. It is
// added only when the change asks for its writes, just before it writes: a change that stops
// earlier (a wrong code, a lockout) costs the shared index nothing and leaves nothing behind.
// The stored events are redacted as the trail's lines are (never a secret, code or answer).

import { randomBytes } from 'node:crypto';
import type { Store, StoreWrite } from '../store/store.js';
import { type AuditEvent, auditKept } from './audit.js';
import { createAuditRedactor } from './audit-redact.js';
import type { Logger } from './logger.js';

/** The index of outbox entries: an ordered set of their keys, scored by the time they were opened. */
export const OUTBOX_INDEX = 'audit:outbox';

/** One audit event: its stable name and its facts. */
export interface AuditRecord {
  readonly event: AuditEvent;
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What an outbox entry holds: when its change was made, and its events (redacted). */
export interface OutboxContent {
  readonly at: number;
  readonly events: readonly AuditRecord[];
}

/**
 * The store writes that put a change's audit events into its atomic write; `facts` known only
 * inside the change (a new passkey's id) join every event. A factor calls it just before each
 * attempt to write the change (rejects, like any store call, when the store is down).
 */
export type AuditWrites = (facts?: Readonly<Record<string, unknown>>) => Promise<readonly StoreWrite[]>;

/** A change that carries no audit event (a test, a change audited elsewhere). */
export const NOT_AUDITED: AuditWrites = async () => [];

/** The audit events of one change, opened before it is made. */
export interface OutboxEntry {
  /** The entry's write, for the change's atomic write; indexes the entry at its first call. */
  readonly writes: AuditWrites;
  /**
   * The change was written: emits its events (`late` facts, known only after the write, join
   * the lines but not the stored entry), then forgets the entry once the trail holds them; not
   * when a recovering gateway took it first (it emits them). Never rejects: the change is made
   * whatever the audit's store does (the recovery retries).
   */
  emit(late?: Readonly<Record<string, unknown>>): Promise<void>;
  /** The change was not written: forgets the entry's index member, if it got one. Never rejects. */
  drop(): Promise<void>;
}

export interface AuditOutbox {
  /** An entry for `user`'s change; nothing is stored until the change asks for its writes. */
  open(user: string, events: readonly AuditRecord[]): OutboxEntry;
}

/**
 * Makes one audited change: `change` puts the writes it is given in its atomic write; once it
 * answers, `written` tells whether it wrote, and the events are emitted or the entry dropped.
 * A change that rejects leaves its entry (if indexed) to the recovery: it may have been written.
 */
export async function auditedChange<T>(
  outbox: AuditOutbox,
  user: string,
  events: readonly AuditRecord[],
  change: (writes: AuditWrites) => Promise<T>,
  written: (result: T) => boolean,
): Promise<T> {
  const entry = outbox.open(user, events);
  const result = await change(entry.writes);
  await (written(result) ? entry.emit() : entry.drop());
  return result;
}

export interface AuditOutboxOptions {
  readonly store: Store;
  /** Where events are emitted: its audit lines and its trail (audit.ts). */
  readonly logger: Logger;
  readonly now: () => number;
  /** The user's outbox key prefix, in the user's hash slot (factors/user-keys.ts). */
  readonly keyOf: (user: string) => string;
}

/** The key of one entry: the user's prefix, then the time it was opened and a nonce. */
export function outboxEntryKey(prefix: string, at: number, nonce: string): string {
  return `${prefix}:${at}-${nonce}`;
}

/** How long the gateway emitting an entry holds it; past it (that gateway died), another may emit it. */
export const CLAIM_TTL_MS = 60_000;

/** The key of an entry's claim: in the entry's slot, so that it is taken in one step with the entry's check. */
export function outboxClaimKey(key: string): string {
  return `${key}:claim`;
}

/**
 * Takes the right to emit the entry under `key`: true for one party alone (its live gateway or
 * one recovering gateway) and only while the entry exists, checked in the same atomic step, so
 * that an entry another party emitted and deleted since it was read is not emitted again.
 */
export function claimOutboxEntry(store: Store, key: string): Promise<boolean> {
  const claim = outboxClaimKey(key);
  return store.writeAll(
    [{ op: 'set', key: claim, value: 'emitting', ttlMs: CLAIM_TTL_MS }],
    [{ ifAbsent: claim }, { ifPresent: key }],
  );
}

/** Forgets an emitted entry: the entry with its claim, then its index member. */
export async function forgetOutboxEntry(store: Store, key: string): Promise<void> {
  await store.writeAll([
    { op: 'delete', key },
    { op: 'delete', key: outboxClaimKey(key) },
  ]);
  await store.removeOrdered(OUTBOX_INDEX, key);
}

/** The time an entry's key says it was opened (NaN for a key that is not an entry's). */
export function outboxEntryTime(key: string): number {
  const last = key.slice(key.lastIndexOf(':') + 1);
  return Number(last.slice(0, last.indexOf('-')));
}

/** An entry as stored, or undefined when it cannot be read. */
export function parseOutboxContent(text: string): OutboxContent | undefined {
  try {
    const { at, events } = JSON.parse(text) as OutboxContent;
    const valid =
      typeof at === 'number' &&
      Array.isArray(events) &&
      events.every((e) => typeof e?.event === 'string' && typeof e.facts === 'object' && e.facts !== null);
    return valid ? { at, events } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Emits events through `logger` and resolves true once every one is kept by the trail (false
 * at the first it could not keep: the entry stays for the recovery).
 */
export async function emitKept(
  logger: Logger,
  events: readonly AuditRecord[],
  extra: Readonly<Record<string, unknown>>,
  at?: number,
): Promise<boolean> {
  for (const { event, facts } of events) {
    if (!(await auditKept(logger, event, { ...facts, ...extra }, at))) return false;
  }
  return true;
}

/** Creates the outbox over the shared store. */
export function createAuditOutbox({ store, logger, now, keyOf }: AuditOutboxOptions): AuditOutbox {
  const redact = createAuditRedactor();
  const warn = (error: unknown, what: string) =>
    logger.warn({ err: error, event: 'audit_outbox.failed' }, `audit outbox: ${what} (the recovery retries)`);
  return {
    open(user, events) {
      const at = now();
      const key = outboxEntryKey(keyOf(user), at, randomBytes(6).toString('hex'));
      let indexed: Promise<void> | undefined;
      let inner: Readonly<Record<string, unknown>> = {};
      return {
        async writes(facts = {}) {
          // Indexed before the change's write (once, whatever its retries): an entry that gets
          // written can be found.
          indexed ??= store.addOrdered(OUTBOX_INDEX, key, at);
          await indexed;
          inner = facts;
          const content: OutboxContent = {
            at,
            events: events.map(({ event, facts: own }) => ({ event, facts: redact({ ...own, ...facts }) })),
          };
          return [{ op: 'set', key, value: JSON.stringify(content) }];
        },
        async emit(late = {}) {
          try {
            // Refused when a gateway starting meanwhile took the entry (this change outlived its
            // grace): that gateway emits it, or has already.
            if (!(await claimOutboxEntry(store, key))) return;
            if (!(await emitKept(logger, events, { ...inner, ...late }))) return;
            await forgetOutboxEntry(store, key);
          } catch (error) {
            warn(error, 'an entry was not emitted or not deleted');
          }
        },
        async drop() {
          if (!indexed) return;
          await store
            .removeOrdered(OUTBOX_INDEX, key)
            .catch((error: unknown) => warn(error, 'an unused index member was not removed'));
        },
      };
    },
  };
}
