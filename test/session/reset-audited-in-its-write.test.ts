// Issue 13: an operator's reset (the CLI's `users reset-factor` and the admin console's) is one
// atomic write with its audit event: the write that removes the factors also writes the event's
// outbox entry, so no crash leaves a reset without its audit record; once emitted (to the log
// and the trail), nothing is left to recover.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditOutboxKey, totpSecretKey } from '../../src/factors/user-keys.js';
import { authoredAudit } from '../../src/ops/audit-author.js';
import { createAuditOutbox, OUTBOX_INDEX } from '../../src/ops/audit-outbox.js';
import { createAuditTrail, keepAuditTrail } from '../../src/ops/audit-trail.js';
import { createLogger } from '../../src/ops/logger.js';
import { resetFactors, type UserAdmin } from '../../src/session/user-admin.js';
import { memoryLog } from '../helpers/gateway.js';
import { recordingStore } from '../helpers/recording-store.js';

test("a reset's audit event is in the write that removes the factors, and is emitted once", async () => {
  const { store, written } = recordingStore();
  await store.set(totpSecretKey('bob'), 'sealed');
  const logger = createLogger({ level: 'info', destination: memoryLog().stream });
  const trail = createAuditTrail(store, Date.now, logger);
  keepAuditTrail(logger, trail);
  const outbox = createAuditOutbox({ store, logger, now: Date.now, keyOf: auditOutboxKey });
  // Only what a reset of a TOTP user reads and writes.
  const admin = {
    state: {
      store,
      recovery: { remaining: async () => 0 },
      trusted: { list: async () => [], removal: async () => [] },
      records: { revoke: async () => ['s1'], sessionsEnding: () => ({ op: 'delete', key: 'sessions:epoch:{u:bob}' }) },
    },
    factors: [
      {
        kind: 'totp',
        isEnrolled: async (user: string) => (await store.get(totpSecretKey(user))) !== undefined,
        removal: async (user: string) => [{ op: 'delete', key: totpSecretKey(user) }],
      },
    ],
    ...authoredAudit({ by: 'cli', operator: 'root' }, logger, outbox),
  } as unknown as UserAdmin;

  await resetFactors(admin, 'bob');
  // The outbox's own writes after it (its claim to emit, then its deletion) touch no factor.
  const [write, ...others] = written.filter((writes) => writes.some((change) => change.key === totpSecretKey('bob')));
  assert.equal(others.length, 0, 'one atomic write');
  assert.ok(write?.some((change) => change.op === 'delete' && change.key === totpSecretKey('bob')));
  const entry = write?.find((change) => change.op === 'set' && change.key.startsWith(auditOutboxKey('bob')));
  assert.ok(entry?.op === 'set' && entry.value.includes('enrollment.factor_reset'), 'its audit event in it');
  assert.deepEqual(
    (await trail.recent({ user: 'bob', event: 'enrollment.factor_reset' })).map((line) => [
      line.event,
      line.facts.removed,
      line.facts.sessions_ended,
      line.facts.operator,
    ]),
    [['enrollment.factor_reset', ['TOTP'], 1, 'root']],
  );
  assert.equal(await store.get(entry.key), undefined, 'emitted, then deleted');
  assert.deepEqual(await store.orderedMembers(OUTBOX_INDEX), []);
});
