// The audit outbox (issue 13) on every store backend (memory, LMDB, a real Redis, a real Redis
// Cluster of three masters, where the index and the user's records live on different nodes):
// an audit event travels in its change's atomic write, so a change refused by its condition
// leaves no event to recover, and a change whose process died before emitting leaves exactly
// one, emitted once (even by two gateways recovering at once) with its original time and
// `recovered: true`, redacted as the trail is; a change slower than a starting gateway's grace
// is emitted once, by one of the two.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditOutboxKey, userKey } from '../../src/factors/user-keys.js';
import {
  type AuditWrites,
  auditedChange,
  createAuditOutbox,
  OUTBOX_INDEX,
  outboxClaimKey,
  outboxEntryKey,
  outboxEntryTime,
  parseOutboxContent,
} from '../../src/ops/audit-outbox.js';
import {
  IN_FLIGHT_MS,
  ORPHAN_AFTER_MS,
  recoverAuditOutbox,
  recoveryStep,
  START_GRACE_MS,
  startAuditRecovery,
} from '../../src/ops/audit-recovery.js';
import { createAuditTrail, keepAuditTrail } from '../../src/ops/audit-trail.js';
import { createLogger } from '../../src/ops/logger.js';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createRedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { memoryLog } from '../helpers/gateway.js';
import { holdingStore } from '../helpers/held-store.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let root: string;
let redis: RedisServer;
let cluster: RedisCluster;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-audit-outbox-'));
  [redis, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
});
after(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
  await rm(root, { recursive: true, force: true });
});

const BACKENDS: Record<string, () => Promise<Store>> = {
  memory: async () => createMemoryStore(),
  lmdb: () => createLmdbStore({ path: join(root, randomUUID(), 'store.lmdb') }),
  redis: async () => createRedisStore({ url: redis.url, prefix: `test:${randomUUID()}:`, commandTimeoutMs: 10_000 }),
  'redis cluster': async () =>
    createRedisStore({
      // With a cluster, only the URL's credentials and TLS are used.
      url: 'redis://127.0.0.1',
      cluster: cluster.settings.cluster,
      prefix: `test:${randomUUID()}:`,
      commandTimeoutMs: 10_000,
    }),
};

/** A gateway's audit output: a logger whose audit lines are kept, with its trail in `store`. */
function gatewayAudit(store: Store, now: () => number) {
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  const trail = createAuditTrail(store, now, logger);
  keepAuditTrail(logger, trail);
  const lines = () =>
    log
      .text()
      .split('\n')
      .filter((line) => line.includes('"audit":true'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, trail, lines };
}

/** A clock the test moves; it starts at the real time, so stores on real time agree with it. */
function clock() {
  let time = Date.now();
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

const ENROLLED = { event: 'enrollment.totp_enrolled', facts: { user: 'alice', client: '203.0.113.7' } } as const;

for (const [name, open] of Object.entries(BACKENDS)) {
  describe(`audit outbox on ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(() => store?.close());

    /** A fresh user, so that the tests of one backend share nothing. */
    const someone = () => `user-${randomUUID()}`;
    const record = (user: string) => userKey('totp:secret', user);

    test('a change refused by its condition writes no event: nothing is recovered', async () => {
      const user = someone();
      const time = clock();
      const gateway = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: gateway.logger, now: time.now, keyOf: auditOutboxKey });
      await store.set(record(user), 'enrolled already');
      const entry = await outbox.open(user, [{ ...ENROLLED, facts: { user } }]);
      const written = await store.writeAll(
        [{ op: 'set', key: record(user), value: 'new' }, ...(await entry.writes())],
        {
          ifAbsent: record(user),
        },
      );
      assert.equal(written, false);
      // The process dies here, before drop(): the index names an entry that was never written.
      const [indexed] = (await store.orderedMembers(OUTBOX_INDEX)).filter((key) => key.includes(user));
      assert.ok(indexed, 'indexed before the change');
      assert.equal(await store.get(indexed), undefined, 'no entry outside the refused write');
      const later = gatewayAudit(store, time.now);
      assert.equal(await recoverAuditOutbox({ store, logger: later.logger, now: time.now }), 0);
      assert.deepEqual(later.lines(), []);
      // An index member with no entry is forgotten once it is surely not a change in flight.
      time.advance(ORPHAN_AFTER_MS);
      await recoverAuditOutbox({ store, logger: later.logger, now: time.now });
      assert.ok(!(await store.orderedMembers(OUTBOX_INDEX)).includes(indexed));
    });

    test('a change that stops before its write (a wrong code, a lockout) costs the shared index nothing', async () => {
      const user = someone();
      const time = clock();
      const gateway = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: gateway.logger, now: time.now, keyOf: auditOutboxKey });
      const wrong = async () => ({ ok: false });
      const outcome = await auditedChange(outbox, user, [{ ...ENROLLED, facts: { user } }], wrong, (o) => o.ok);
      assert.equal(outcome.ok, false);
      assert.deepEqual(
        (await store.orderedMembers(OUTBOX_INDEX)).filter((key) => key.includes(user)),
        [],
        'never indexed',
      );
      assert.deepEqual(gateway.lines(), []);
    });

    test('an audited change is emitted once written and its entry forgotten; a refused one is dropped', async () => {
      const user = someone();
      const time = clock();
      const gateway = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: gateway.logger, now: time.now, keyOf: auditOutboxKey });
      const enroll = async (writes: AuditWrites) =>
        store.writeAll([{ op: 'set', key: record(user), value: 'sealed' }, ...(await writes())], {
          ifAbsent: record(user),
        });
      const events = [{ ...ENROLLED, facts: { user } }];
      assert.equal(await auditedChange(outbox, user, events, enroll, Boolean), true);
      assert.equal(await auditedChange(outbox, user, events, enroll, Boolean), false, 'refused: enrolled already');
      assert.deepEqual(
        gateway.lines().map((line) => [line.event, line.user]),
        [['enrollment.totp_enrolled', user]],
      );
      const left = (await store.orderedMembers(OUTBOX_INDEX)).filter((key) => key.includes(user));
      assert.deepEqual(left, [], 'the emitted entry and the dropped one both forgotten');
      assert.equal(await recoverAuditOutbox({ store, logger: gateway.logger, now: time.now }), 0);
    });

    test('a change whose process died before emitting: its event is recovered once, by one of two gateways, with its time and the marker', async () => {
      const user = someone();
      const time = clock();
      const dying = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: dying.logger, now: time.now, keyOf: auditOutboxKey });
      const at = time.now();
      const entry = await outbox.open(user, [
        { ...ENROLLED, facts: { user, client: '203.0.113.7' } },
        { event: 'enrollment.replaced', facts: { user, removed: 'questions' } },
      ]);
      assert.equal(
        await store.writeAll([{ op: 'set', key: record(user), value: 'sealed' }, ...(await entry.writes())]),
        true,
      );
      // kill -9: neither emit() nor anything after it ran.
      time.advance(5_000);
      const [one, two] = [gatewayAudit(store, time.now), gatewayAudit(store, time.now)];
      const emitted = await Promise.all([
        recoverAuditOutbox({ store, logger: one.logger, now: time.now }),
        recoverAuditOutbox({ store, logger: two.logger, now: time.now }),
      ]);
      assert.deepEqual(
        emitted.sort((a, b) => a - b),
        [0, 2],
        'one gateway emits both events, the other none',
      );
      const lines = [...one.lines(), ...two.lines()];
      assert.deepEqual(
        lines.map((line) => [line.event, line.user, line.recovered, line.occurred_at]),
        [
          ['enrollment.totp_enrolled', user, true, new Date(at).toISOString()],
          ['enrollment.replaced', user, true, new Date(at).toISOString()],
        ],
      );
      const kept = (await one.trail.recent({ user })).reverse();
      assert.deepEqual(
        kept.map((line) => [line.event, line.at, line.facts.recovered, line.facts.client]),
        [
          ['enrollment.totp_enrolled', at, true, '203.0.113.7'],
          ['enrollment.replaced', at, true, undefined],
        ],
        'the trail has them at the time of the change',
      );
      const third = gatewayAudit(store, time.now);
      assert.equal(await recoverAuditOutbox({ store, logger: third.logger, now: time.now }), 0, 'drained');
      assert.ok(!(await store.orderedMembers(OUTBOX_INDEX)).some((key) => key.includes(user)));
    });

    test('a change emitted as it is made leaves nothing to recover, and its event is not marked', async () => {
      const user = someone();
      const time = clock();
      const gateway = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: gateway.logger, now: time.now, keyOf: auditOutboxKey });
      const entry = await outbox.open(user, [{ event: 'passkey.registered', facts: { user } }]);
      await store.writeAll([
        { op: 'set', key: record(user), value: 'x' },
        ...(await entry.writes({ passkey: 'pk-1' })),
      ]);
      await entry.emit({ passkeys: 1 });
      assert.deepEqual(
        gateway.lines().map((line) => [line.event, line.passkey, line.passkeys, line.recovered]),
        [['passkey.registered', 'pk-1', 1, undefined]],
      );
      assert.equal((await gateway.trail.recent({ user })).length, 1, 'in the trail before emit() resolved');
      time.advance(IN_FLIGHT_MS);
      const later = gatewayAudit(store, time.now);
      assert.equal(await recoverAuditOutbox({ store, logger: later.logger, now: time.now }), 0);
      assert.ok(!(await store.orderedMembers(OUTBOX_INDEX)).some((key) => key.includes(user)));
    });

    test("another gateway's start leaves a live change's fresh entry to it, and takes a dead one's past the grace", async () => {
      const user = someone();
      const time = clock();
      const live = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: live.logger, now: time.now, keyOf: auditOutboxKey });
      const written = async () => {
        const entry = await outbox.open(user, [{ ...ENROLLED, facts: { user } }]);
        await store.writeAll([{ op: 'set', key: record(user), value: 'x' }, ...(await entry.writes())]);
        return entry;
      };
      const mine = (lines: Record<string, unknown>[]) =>
        lines.filter((line) => line.user === user).map((line) => [line.event, line.recovered]);
      const inFlight = await written();
      const starting = gatewayAudit(store, time.now);
      // The stop resolves once the start's pass has ended.
      await startAuditRecovery({ store, logger: starting.logger, now: time.now })();
      assert.deepEqual(mine(starting.lines()), [], 'the start leaves the entry in flight');
      assert.equal(await recoverAuditOutbox({ store, logger: starting.logger, now: time.now }, IN_FLIGHT_MS), 0);
      await inFlight.emit();
      assert.deepEqual(mine(live.lines()), [['enrollment.totp_enrolled', undefined]], 'emitted once, by its gateway');

      await written();
      // The live gateway dies here; another starts a few seconds later.
      time.advance(START_GRACE_MS);
      const restarted = gatewayAudit(store, time.now);
      await startAuditRecovery({ store, logger: restarted.logger, now: time.now })();
      assert.deepEqual(mine(restarted.lines()), [['enrollment.totp_enrolled', true]]);
      assert.deepEqual(mine(starting.lines()), []);
      assert.ok(!(await store.orderedMembers(OUTBOX_INDEX)).some((key) => key.includes(user)));
    });

    describe('a change slower than the start grace is emitted once, by its gateway or by a starting one', () => {
      /** A live gateway and a starting one over one store whose calls the test can hold. */
      function race() {
        const user = someone();
        const time = clock();
        const held = holdingStore(store);
        const [live, starting] = [gatewayAudit(held.store, time.now), gatewayAudit(held.store, time.now)];
        const outbox = createAuditOutbox({
          store: held.store,
          logger: live.logger,
          now: time.now,
          keyOf: auditOutboxKey,
        });
        const events = [{ ...ENROLLED, facts: { user } }];
        const enroll = async (writes: AuditWrites) =>
          held.store.writeAll([{ op: 'set', key: record(user), value: 'x' }, ...(await writes())]);
        /** The recovery pass of a gateway starting START_GRACE_MS after the change was opened. */
        const start = () => {
          time.advance(START_GRACE_MS);
          return startAuditRecovery({ store: held.store, logger: starting.logger, now: time.now })();
        };
        const entryKey = async () => (await store.orderedMembers(OUTBOX_INDEX)).find((key) => key.includes(user)) ?? '';
        const emitted = () =>
          [...live.lines(), ...starting.lines()]
            .filter((line) => line.user === user)
            .map((line) => [line.event, line.recovered]);
        return { user, held, outbox, events, enroll, start, entryKey, emitted };
      }

      test('the start emits while the live write is slow: the live gateway then emits nothing', async () => {
        const { user, held, outbox, events, enroll, start, emitted } = race();
        const written = held.holdNextRead('writeAll', record(user));
        const changing = auditedChange(outbox, user, events, enroll, Boolean);
        await written.reached;
        await start();
        written.release();
        assert.equal(await changing, true);
        assert.deepEqual(emitted(), [['enrollment.totp_enrolled', true]]);
      });

      test('the live gateway emits while the start has read the entry: the start then emits nothing', async () => {
        const { user, held, outbox, events, enroll, start, entryKey, emitted } = race();
        const entry = outbox.open(user, events);
        await enroll(entry.writes);
        const read = held.holdNextRead('get', await entryKey());
        const starting = start();
        await read.reached;
        await entry.emit();
        read.release();
        await starting;
        assert.deepEqual(emitted(), [['enrollment.totp_enrolled', undefined]]);
      });

      test('the live gateway emits while the start holds the entry: the live gateway then emits nothing', async () => {
        const { user, held, outbox, events, enroll, start, entryKey, emitted } = race();
        const entry = outbox.open(user, events);
        await enroll(entry.writes);
        const claimed = held.holdNextRead('writeAll', outboxClaimKey(await entryKey()));
        const starting = start();
        // A start that takes no claim through writeAll (the old code) ends without reaching it.
        await Promise.race([claimed.reached, starting]);
        await entry.emit();
        claimed.release();
        await starting;
        assert.deepEqual(emitted(), [['enrollment.totp_enrolled', true]]);
        assert.ok(!(await store.orderedMembers(OUTBOX_INDEX)).some((key) => key.includes(user)));
      });
    });

    test('the stored entry is redacted as the trail is: no secret, code or answer', async () => {
      const user = someone();
      const time = clock();
      const gateway = gatewayAudit(store, time.now);
      const outbox = createAuditOutbox({ store, logger: gateway.logger, now: time.now, keyOf: auditOutboxKey });
      const entry = await outbox.open(user, [
        {
          event: 'enrollment.questions_enrolled',
          facts: { user, answer: 'Rex the dog', secret: 'JBSWY3DPEHPK3PXP', form: { otp: '123456' } },
        },
      ]);
      await store.writeAll([
        { op: 'set', key: record(user), value: 'x' },
        ...(await entry.writes({ token: 'tok-42' })),
      ]);
      const [key] = (await store.orderedMembers(OUTBOX_INDEX)).filter((k) => k.includes(user));
      const raw = (await store.get(key as string)) ?? '';
      assert.ok(raw.includes('enrollment.questions_enrolled'));
      for (const secret of ['Rex the dog', 'JBSWY3DPEHPK3PXP', '123456', 'tok-42']) {
        assert.ok(!raw.includes(secret), `${secret} is not stored`);
      }
      assert.equal(parseOutboxContent(raw)?.events[0]?.facts.answer, '[Redacted]');
      await entry.emit();
    });
  });
}

test('an entry key says when it was opened, whatever the user name holds', () => {
  const key = outboxEntryKey(auditOutboxKey('a:b-c:1'), 1_790_000_000_123, '0a1b2c');
  assert.equal(outboxEntryTime(key), 1_790_000_000_123);
  assert.ok(Number.isNaN(outboxEntryTime('audit:recent')));
});

test('what a recovery pass does with one index member', () => {
  const rows: Array<[boolean, number, number, string]> = [
    // exists, age, the pass's minimum age -> step
    [true, 0, 0, 'emit'],
    [true, -5_000, 0, 'emit'],
    [true, -5_000, IN_FLIGHT_MS, 'leave'],
    [true, IN_FLIGHT_MS - 1, IN_FLIGHT_MS, 'leave'],
    [true, IN_FLIGHT_MS, IN_FLIGHT_MS, 'emit'],
    [true, START_GRACE_MS - 1, START_GRACE_MS, 'leave'],
    [true, START_GRACE_MS, START_GRACE_MS, 'emit'],
    [false, 0, 0, 'leave'],
    [false, ORPHAN_AFTER_MS - 1, 0, 'leave'],
    [false, ORPHAN_AFTER_MS, IN_FLIGHT_MS, 'forget'],
  ];
  for (const [exists, age, minAge, step] of rows) {
    assert.equal(recoveryStep(exists, age, minAge), step, `${exists} ${age} ${minAge}`);
  }
});
