// Issue 13: a gateway that died between an enrollment's atomic write and its audit event's
// emission left the event in the user's outbox; the next gateway to start on that store emits
// it (in its log and the recent-audit trail), at its original time and marked recovered, and
// leaves nothing behind.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditOutboxKey } from '../../src/factors/user-keys.js';
import { createAuditOutbox, OUTBOX_INDEX, outboxEntryTime } from '../../src/ops/audit-outbox.js';
import { START_GRACE_MS } from '../../src/ops/audit-recovery.js';
import { createLogger } from '../../src/ops/logger.js';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { memoryLog } from '../helpers/gateway.js';
import { createClock, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness | undefined;
let dataDir: string | undefined;
after(async () => {
  await harness?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('an audit event left in the outbox is emitted by the next gateway start, once, marked recovered', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-audit-left-'));
  // The dead gateway's last act: the enrollment's write with its event, never emitted.
  const clock = createClock();
  const store = await createLmdbStore({ path: join(dataDir, 'store.lmdb') });
  const dead = createLogger({ level: 'info', destination: memoryLog().stream });
  const outbox = createAuditOutbox({ store, logger: dead, now: clock.now, keyOf: auditOutboxKey });
  const entry = await outbox.open('alice', [
    { event: 'enrollment.totp_enrolled', facts: { user: 'alice', client: '203.0.113.7' } },
  ]);
  const [write] = await entry.writes();
  await store.writeAll([...(await entry.writes())]);
  await store.close();
  const at = outboxEntryTime(write?.key ?? '');

  // The next start comes some seconds later: a younger entry may be a live gateway's change in
  // flight, which a start leaves to the periodic pass.
  clock.advance(START_GRACE_MS);
  harness = await startLoginHarness({ dataDir, store: 'lmdb', clock });
  const services = harness.gateway.login!;
  const recovered = () =>
    harness!
      .logText()
      .split('\n')
      .filter((line) => line.includes('"event":"enrollment.totp_enrolled"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  await waitFor('the recovered event in the log', () => recovered().length > 0);
  assert.deepEqual(
    recovered().map(({ user, client, recovered, occurred_at }) => ({ user, client, recovered, occurred_at })),
    [{ user: 'alice', client: '203.0.113.7', recovered: true, occurred_at: new Date(at).toISOString() }],
  );
  await waitFor('the outbox drained', async () => (await services.store.orderedMembers(OUTBOX_INDEX)).length === 0);
  const kept = await services.auditTrail.recent({ user: 'alice', event: 'enrollment' });
  assert.deepEqual(
    kept.map((line) => [line.event, line.at, line.facts.recovered]),
    [['enrollment.totp_enrolled', at, true]],
  );
});
