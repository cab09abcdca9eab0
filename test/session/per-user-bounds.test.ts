// Per-user costs are bounded (issue 13): a user's sessions are capped (oldest ended first), a
// login reads no other session record however many the user has, pending logins are capped
// too, and the API the "my sessions" page builds on lists, ends one, and ends all but one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSealer } from '../../src/crypto/sealing.js';
import { createSessionRecords } from '../../src/session/records.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const MINUTE = 60_000;
const WITHHELD = { status: 302, headers: [] as Array<[string, string]>, body: '' };

function setup(maxPerUser = 5, maxPendingPerUser = 3) {
  let time = Date.UTC(2026, 0, 1);
  const now = () => time;
  const store = createMemoryStore({ now });
  let reads = 0;
  const counting: Store = {
    ...store,
    get: (key) => {
      reads++;
      return store.get(key);
    },
  };
  const records = createSessionRecords({
    store: counting,
    sealer: createSealer([randomBytes(32)]),
    settings: () => ({
      idleMs: 30 * MINUTE,
      absoluteMs: 12 * 60 * MINUTE,
      pendingMs: 5 * MINUTE,
      maxPerUser,
      maxPendingPerUser,
    }),
    now,
  });
  return { records, advance: (ms: number) => (time += ms), reads: () => reads };
}

test("a user's sessions are capped: the oldest end first", async () => {
  const { records, advance } = setup(3);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await records.createSession('alice', 'admin', {}, 'totp')).id);
    advance(1000);
  }
  const live = (await records.listSessions('alice')).map((s) => s.id).sort();
  assert.deepEqual(live, ids.slice(2).sort());
  assert.equal(await records.getSession(ids[0] as string), undefined);
  assert.ok(await records.getSession(ids[4] as string));
});

test('a login reads no other session record, with 1 session or 300', async () => {
  const { records, reads } = setup(1000);
  const readsOfLogin = async () => {
    const before = reads();
    await records.createSession('bob', 'user', {}, 'none');
    return reads() - before;
  };
  assert.equal(await readsOfLogin(), 0);
  for (let i = 0; i < 300; i++) await records.createSession('bob', 'user', {}, 'none');
  assert.equal(await readsOfLogin(), 0);
});

test('pending logins are capped per user: the oldest ends first', async () => {
  const { records, advance } = setup(5, 2);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    ids.push(
      (await records.createPending({ user: 'carol', role: 'admin', step: 'totp', jar: {}, withheld: WITHHELD })).id,
    );
    advance(1000);
  }
  assert.equal(await records.getPending(ids[0] as string), undefined);
  assert.equal(await records.getPending(ids[1] as string), undefined);
  assert.ok(await records.getPending(ids[3] as string));
});

test('ending all sessions but one keeps that one', async () => {
  const { records } = setup(10);
  const kept = await records.createSession('dan', 'user', {}, 'none');
  const others = [
    await records.createSession('dan', 'user', {}, 'none'),
    await records.createSession('dan', 'user', {}, 'none'),
  ];
  const ended = await records.endOtherSessions('dan', kept.id);
  assert.deepEqual(ended.sort(), others.map((s) => s.id).sort());
  assert.deepEqual(
    (await records.listSessions('dan')).map((s) => s.id),
    [kept.id],
  );
});
