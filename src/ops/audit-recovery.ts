// Owns recovering the audit outbox (audit-outbox.ts): the entries a process left when it died
// between a change's write and the end of its events' emission are emitted by another (or the
// next) gateway, at its start (those a few seconds old) and then every minute, with their
// original time and `recovered: true`. At least once: an entry is deleted only after the trail holds its events;
// a gateway that dies in between leaves it to be emitted again. Of several gateways recovering
// at once, and of the live gateway still emitting a slow change, only one emits an entry (its
// claim, audit-outbox.ts); the claim of one that died expires, and the entry is emitted at a
// later pass.

import type { Store } from '../store/store.js';
import {
  claimOutboxEntry,
  emitKept,
  forgetOutboxEntry,
  OUTBOX_INDEX,
  outboxEntryTime,
  parseOutboxContent,
} from './audit-outbox.js';
import type { Logger } from './logger.js';

/** How often a running gateway looks for entries left behind. */
export const AUDIT_RECOVERY_EVERY_MS = 60_000;
/**
 * How old an entry must be before a periodic pass takes it: younger ones most likely belong to a
 * change in flight in a live process, which emits them itself.
 */
export const IN_FLIGHT_MS = 60_000;
/**
 * How old an entry must be before a gateway's start takes it. Every entry lives from just before
 * its change's write until its events are in the trail, a few store calls: one younger than this
 * is as likely a live gateway's change in flight as a dead one's, and taking it emitted the
 * event twice, the second copy falsely saying a gateway died mid-change. Such an entry is left
 * to the periodic pass, which takes it once it is IN_FLIGHT_MS old if nobody emitted it: a
 * gateway restarted at once after a crash recovers its last entries a minute or two later.
 */
export const START_GRACE_MS = 5_000;
/** An index member with no entry this old is a change that was never written (or is gone). */
export const ORPHAN_AFTER_MS = 10 * 60_000;

/** What a recovery pass does with one index member (pure). */
export type RecoveryStep = 'emit' | 'forget' | 'leave';

/**
 * Decides from whether the entry exists and how old it is (ms, by this gateway's clock: negative
 * when the one that wrote it runs ahead); `minAgeMs`: the pass's own limit, 0 taking every entry.
 */
export function recoveryStep(exists: boolean, ageMs: number, minAgeMs: number): RecoveryStep {
  if (!exists) return ageMs >= ORPHAN_AFTER_MS ? 'forget' : 'leave';
  return minAgeMs === 0 || ageMs >= minAgeMs ? 'emit' : 'leave';
}

/** The facts a recovered event carries beside its own: the marker, and when it happened. */
export function recoveredMarker(at: number): Record<string, unknown> {
  return { recovered: true, occurred_at: new Date(at).toISOString() };
}

export interface AuditRecoveryOptions {
  readonly store: Store;
  /** Where recovered events are emitted (its trail included). */
  readonly logger: Logger;
  readonly now: () => number;
}

/** Emits every entry at least `minAgeMs` old that no other gateway holds; resolves with the number of events emitted. */
export async function recoverAuditOutbox({ store, logger, now }: AuditRecoveryOptions, minAgeMs = 0): Promise<number> {
  let emitted = 0;
  for (const key of await store.orderedMembers(OUTBOX_INDEX)) {
    const text = await store.get(key);
    const step = recoveryStep(text !== undefined, now() - outboxEntryTime(key), minAgeMs);
    if (step === 'forget') await store.removeOrdered(OUTBOX_INDEX, key);
    // Not claimed when another gateway holds it, or has emitted it since it was read here.
    if (step !== 'emit' || text === undefined || !(await claimOutboxEntry(store, key))) continue;
    const content = parseOutboxContent(text);
    if (!content) {
      logger.warn({ event: 'audit_outbox.unreadable', key }, 'an audit outbox entry could not be read: dropped');
    } else if (!(await emitKept(logger, content.events, recoveredMarker(content.at), content.at))) {
      continue;
    } else {
      emitted += content.events.length;
    }
    await forgetOutboxEntry(store, key);
  }
  return emitted;
}

/**
 * Recovers at once (entries past START_GRACE_MS: a gateway starting after a crash), then every
 * minute (entries past IN_FLIGHT_MS); in the background, a failing store said in the log.
 * Returns the stop, which resolves once a pass under way has ended (before the store is closed).
 */
export function startAuditRecovery(options: AuditRecoveryOptions): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = (minAgeMs: number) => {
    // A slow pass (a store far away) is not overlapped by the next.
    if (running) return;
    running = recoverAuditOutbox(options, minAgeMs)
      .then(
        (emitted) => {
          if (emitted > 0) {
            options.logger.warn(
              { event: 'audit_outbox.recovered', events: emitted },
              'audit events of changes made by a gateway that stopped before emitting them were emitted now',
            );
          }
        },
        (error: unknown) =>
          options.logger.warn({ err: error, event: 'audit_outbox.recovery_failed' }, 'audit outbox recovery failed'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  pass(START_GRACE_MS);
  const timer = setInterval(() => pass(IN_FLIGHT_MS), AUDIT_RECOVERY_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    return running ?? Promise.resolve();
  };
}
