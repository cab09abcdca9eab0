// Per-user costs are bounded (issue 13): a user's sessions are capped (oldest ended first), a
// login reads no other session record however many the user has, and of the user's index only
// the entries it ends (the same with 10 sessions or 1,000); an index written as a set before is
// moved at the user's first touch; pending logins are capped too, and the API the "my sessions"
// page builds on lists, ends one, and ends all but one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSealer } from '../../src/crypto/sealing.js';
import { jarKey } from '../../src/session/cookie-jar.js';
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
  // Index entries read, and whole-index reads, of the user index (the ordered set).
  let entriesRead = 0;
  let wholeIndexReads = 0;
  const counting: Store = {
    ...store,
    get: (key) => {
      reads++;
      return store.get(key);
    },
    lowestOrdered: async (key, range) => {
      const entries = await store.lowestOrdered(key, range);
      entriesRead += entries.length;
      return entries;
    },
    orderedMembers: async (key) => {
      wholeIndexReads++;
      return store.orderedMembers(key);
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
  return {
    records,
    store,
    advance: (ms: number) => (time += ms),
    reads: () => reads,
    indexReads: () => ({ entriesRead, wholeIndexReads }),
  };
}

test("a user's sessions are capped: the oldest end first", async () => {
  const { records, advance } = setup(3);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await records.createSession('alice', 'admin', {}, 'totp', undefined)).id);
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
    await records.createSession('bob', 'user', {}, 'none', undefined);
    return reads() - before;
  };
  assert.equal(await readsOfLogin(), 0);
  for (let i = 0; i < 300; i++) await records.createSession('bob', 'user', {}, 'none', undefined);
  assert.equal(await readsOfLogin(), 0);
});

test('pending logins are capped per user: the oldest ends first, handed with its jar to the login that ended it', async () => {
  const { records, advance } = setup(5, 2);
  const ids: string[] = [];
  const evicted: Array<Array<[string, string | undefined]>> = [];
  for (let i = 0; i < 4; i++) {
    const jar = { [jarKey('sid', '/')]: { name: 'sid', value: `app-session-${i}`, path: '/' } };
    const created = await records.createPending({
      user: 'carol',
      role: 'admin',
      step: 'totp',
      jar,
      withheld: WITHHELD,
    });
    ids.push(created.pending.id);
    evicted.push(created.evicted.map((old) => [old.id, Object.values(old.jar)[0]?.value]));
    advance(1000);
  }
  // Each login past the cap of 2 ends exactly the oldest, and says so (its app session is to be logged out).
  assert.deepEqual(evicted, [[], [], [[ids[0], 'app-session-0']], [[ids[1], 'app-session-1']]]);
  assert.equal(await records.getPending(ids[0] as string), undefined);
  assert.equal(await records.getPending(ids[1] as string), undefined);
  assert.ok(await records.getPending(ids[3] as string));
});

test('of two logins past the cap at once, one claims each evicted pending login', async () => {
  const { records } = setup(5, 1);
  const input = { user: 'carol', role: 'admin', step: 'totp', jar: {}, withheld: WITHHELD } as const;
  const { pending: first } = await records.createPending(input);
  const both = await Promise.all([records.createPending(input), records.createPending(input)]);
  const claims = both.flatMap((created) => created.evicted.map((old) => old.id));
  assert.equal(claims.filter((id) => id === first.id).length, 1, 'the first one is claimed once');
  assert.equal(new Set(claims).size, claims.length, 'no pending login is claimed twice');
});

test('ending all sessions but one keeps that one', async () => {
  const { records } = setup(10);
  const kept = await records.createSession('dan', 'user', {}, 'none', undefined);
  const others = [
    await records.createSession('dan', 'user', {}, 'none', undefined),
    await records.createSession('dan', 'user', {}, 'none', undefined),
  ];
  const ended = await records.endOtherSessions('dan', kept.id);
  assert.deepEqual(ended.sort(), others.map((s) => s.id).sort());
  assert.deepEqual(
    (await records.listSessions('dan')).map((s) => s.id),
    [kept.id],
  );
});

test('a login at the cap reads only the index entries it ends: the same with 10 sessions or 1,000', async () => {
  const costOfLoginAtCap = async (cap: number) => {
    const { records, advance, indexReads } = setup(cap);
    for (let i = 0; i < cap; i++) {
      await records.createSession('erin', 'user', {}, 'none', undefined);
      advance(1);
    }
    const before = indexReads();
    await records.createSession('erin', 'user', {}, 'none', undefined);
    const after = indexReads();
    assert.equal((await records.listSessions('erin')).length, cap, 'the cap holds');
    return {
      entriesRead: after.entriesRead - before.entriesRead,
      wholeIndexReads: after.wholeIndexReads - before.wholeIndexReads,
    };
  };
  const small = await costOfLoginAtCap(10);
  const large = await costOfLoginAtCap(1000);
  assert.equal(small.wholeIndexReads, 0, 'a login never reads the whole index');
  assert.deepEqual(large, small);
  // The oldest live one (the ended check stops at it) and the one beyond the cap.
  assert.equal(small.entriesRead, 2);
});

test("an index written as a set before is moved at the user's first login: live sessions stay listed, the cap holds", async () => {
  const { records, store, advance } = setup(4);
  const made = [];
  for (let i = 0; i < 4; i++) {
    made.push(await records.createSession('fay', 'user', {}, 'none', undefined));
    advance(1000);
  }
  const [oldest, bare, ended, newest] = made as [
    (typeof made)[0],
    (typeof made)[0],
    (typeof made)[0],
    (typeof made)[0],
  ];
  // The layout before: one set of "createdAt.endsAt.id" members, or bare ids written earlier still.
  const members = await store.orderedMembers('sessions:user-index:fay');
  await store.delete('sessions:user-index:fay');
  for (const member of members) {
    if (member.endsWith(bare.id)) await store.addToSet('sessions:user:fay', bare.id);
    // A logout before the upgrade took its session out of the set.
    else if (!member.endsWith(ended.id)) await store.addToSet('sessions:user:fay', member);
  }
  await store.addToSet('sessions:user:fay', 'a-bare-id-whose-record-is-gone');
  await records.endSession(ended.id);
  const next = await records.createSession('fay', 'user', {}, 'none', undefined);
  assert.deepEqual(await store.members('sessions:user:fay'), [], 'the old set is gone');
  const live = (await records.listSessions('fay')).map((session) => session.id);
  assert.deepEqual(live.sort(), [oldest.id, bare.id, newest.id, next.id].sort(), 'at the cap of 4, nothing ended yet');
  const index = (await store.orderedMembers('sessions:user-index:fay')).map((member) => member.split('.').at(-1));
  assert.deepEqual(index, [oldest.id, bare.id, newest.id, next.id], 'oldest first, the bare id with its times');
  advance(1000);
  await records.createSession('fay', 'user', {}, 'none', undefined);
  assert.equal(await records.getSession(oldest.id), undefined, 'the oldest moved session ends first');
  assert.ok(await records.getSession(bare.id));
});

test('signing out everywhere and the sessions page move an index written as a set before', async () => {
  const { records, store } = setup(10);
  const kept = await records.createSession('gus', 'user', {}, 'none', undefined);
  const other = await records.createSession('gus', 'user', {}, 'none', undefined);
  const members = await store.orderedMembers('sessions:user-index:gus');
  await store.delete('sessions:user-index:gus');
  for (const member of members) await store.addToSet('sessions:user:gus', member);
  assert.deepEqual((await records.listSessions('gus')).map((session) => session.id).sort(), [kept.id, other.id].sort());
  for (const member of members) await store.addToSet('sessions:user:gus', member);
  assert.deepEqual(await records.endOtherSessions('gus', kept.id), [other.id]);
  for (const member of members) await store.addToSet('sessions:user:gus', member);
  assert.deepEqual(await records.revoke('gus'), [kept.id]);
  assert.deepEqual(await store.members('sessions:user:gus'), []);
  assert.deepEqual(await store.orderedMembers('sessions:user-index:gus'), []);
});
