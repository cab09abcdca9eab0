// Session records: lifetimes against an injected clock, sliding refresh without a write per
// request, vault merges that lose nothing, revocation, and pending logins.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createSealer } from '../../src/crypto/sealing.js';
import { changesFromSetCookies, jarKey } from '../../src/session/cookie-jar.js';
import { createSessionRecords } from '../../src/session/records.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const MINUTE = 60_000;

function setup() {
  let time = Date.UTC(2026, 0, 1);
  const now = () => time;
  const store = createMemoryStore({ now });
  let writes = 0;
  const counting: Store = {
    ...store,
    set: (...args) => {
      writes++;
      return store.set(...args);
    },
    writeAll: (...args) => {
      writes++;
      return store.writeAll(...args);
    },
  };
  const records = createSessionRecords({
    store: counting,
    sealer: createSealer([randomBytes(32)]),
    settings: () => ({ idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE, pendingMs: 5 * MINUTE }),
    now,
  });
  return {
    store,
    records,
    advance: (ms: number) => {
      time += ms;
    },
    writes: () => writes,
  };
}

describe('sessions', () => {
  test('a session ends after 30 idle minutes', async () => {
    const { records, advance } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    advance(29 * MINUTE);
    assert.ok(await records.getSession(session.id));
    advance(2 * MINUTE);
    assert.equal(await records.getSession(session.id), undefined);
  });

  test('use slides the idle lifetime, with at most one write a minute however many requests', async () => {
    const { records, advance, writes } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    const before = writes();
    // A request every 5 seconds for an hour: twice the idle lifetime.
    for (let request = 0; request < 720; request++) {
      advance(5_000);
      const live = await records.getSession(session.id);
      assert.ok(live, `alive at request ${request}`);
      await records.touch(live);
    }
    assert.ok(writes() - before <= 61, `wrote ${writes() - before} times in 720 requests`);
  });

  test('the absolute lifetime ends even an active session', async () => {
    const { records, advance } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    for (let i = 0; i < 12 * 4; i++) {
      advance(15 * MINUTE);
      const live = await records.getSession(session.id);
      if (!live) break;
      await records.touch(live);
    }
    assert.equal(await records.getSession(session.id), undefined);
  });

  test('concurrent vault updates setting different cookies all land', async () => {
    const { records, advance } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    const now = Date.UTC(2026, 0, 1);
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        records.updateVault(session.id, changesFromSetCookies([`${name}=1; Path=/`], '/', now)),
      ),
    );
    advance(3_000); // past the 2-second cache
    const jar = (await records.getSession(session.id))?.jar ?? {};
    assert.deepEqual(Object.keys(jar).sort(), ['a', 'b', 'c', 'd'].map((n) => jarKey(n, '/')).sort());
  });

  test("a cached record answers cookies of its vault's generation with no store read; a newer one reads the store", async () => {
    // Two gateways' records on one store and one clock that never moves: the cache alone is at stake.
    const store = createMemoryStore({ now: () => 0 });
    const sealer = createSealer([randomBytes(32)]);
    const gateway = () => {
      let reads = 0;
      const counting: Store = {
        ...store,
        get: (key) => {
          reads++;
          return store.get(key);
        },
      };
      const settings = () => ({ idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE, pendingMs: 5 * MINUTE });
      return { records: createSessionRecords({ store: counting, sealer, settings, now: () => 0 }), reads: () => reads };
    };
    const [a, b] = [gateway(), gateway()];
    const session = await a.records.createSession('alice', 'admin', {}, 'none', undefined);
    const token = async (generation: number) => {
      const read = await b.records.getSession(session.id, generation);
      return Object.values(read?.jar ?? {}).map((cookie) => cookie.value);
    };
    assert.deepEqual(await token(0), []);

    assert.equal(await a.records.updateVault(session.id, changesFromSetCookies(['t=one; Path=/'], '/', 0)), 1);
    const before = b.reads();
    assert.deepEqual(await token(0), [], 'an older cookie: the cached record, as before');
    assert.equal(b.reads(), before, 'no store read');
    assert.deepEqual(await token(1), ['one'], 'the cookie A issued with the new vault: read again');
    assert.equal(b.reads(), before + 1);
    for (let request = 0; request < 5; request++) assert.deepEqual(await token(1), ['one']);
    assert.equal(b.reads(), before + 1, 'then cached again');

    // A generation the store does not hold (a vault write lost to a concurrent one): read once, not every time.
    assert.deepEqual(await token(7), ['one']);
    assert.deepEqual(await token(7), ['one']);
    assert.equal(b.reads(), before + 2);
    assert.equal(await a.records.updateVault(session.id, changesFromSetCookies(['t=one; Path=/'], '/', 0)), undefined);
  });

  test('cachedSession answers only what getSession would, from a fresh cache entry; otherwise getSession is asked', async () => {
    const { records, advance } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    assert.equal(records.cachedSession(session.id)?.id, session.id, 'written by this gateway: cached');
    assert.equal(records.cachedSession(session.id, 1), undefined, 'a newer vault generation than the cached one');
    advance(2_000);
    assert.equal(records.cachedSession(session.id), undefined, 'the entry is 2 s old: the store decides');
    assert.ok(await records.getSession(session.id));
    assert.equal(records.cachedSession(session.id)?.id, session.id, 'read again, cached again');
    await records.endSession(session.id);
    assert.equal(records.cachedSession(session.id), undefined, 'ended here: gone from the cache at once');

    const idle = await records.createSession('bob', 'staff', {}, 'none', undefined);
    advance(30 * MINUTE - 1_000);
    assert.ok(await records.getSession(idle.id), 'cached again a second before its idle end');
    advance(1_500);
    assert.equal(records.cachedSession(idle.id), undefined, 'a fresh entry of a session now over');
    assert.equal(await records.getSession(idle.id), undefined, 'as getSession says');
  });

  test('an update that changes nothing writes nothing', async () => {
    const { records, writes } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    await records.updateVault(session.id, changesFromSetCookies(['a=1; Path=/'], '/', 0));
    const before = writes();
    await records.updateVault(session.id, changesFromSetCookies(['a=1; Path=/'], '/', 0));
    assert.equal(writes(), before);
  });

  test('the vault is sealed in the store: no cookie value in clear', async () => {
    const { records, store } = setup();
    const session = await records.createSession('alice', 'admin', {}, 'none', undefined);
    await records.updateVault(session.id, changesFromSetCookies(['invoice_sid=SECRETVALUE123; Path=/'], '/', 0));
    const stored = await store.get(`session:${session.id}`);
    assert.ok(stored && !stored.includes('SECRETVALUE123'));
  });

  test('a request that read the session before its revocation does not bring it back', async () => {
    const { records, advance } = setup();
    const session = await records.createSession('bob', 'staff', {}, 'none', undefined);
    advance(2 * MINUTE);
    const read = await records.getSession(session.id);
    assert.ok(read);
    await records.revoke('bob');
    await records.touch(read);
    await records.updateVault(session.id, changesFromSetCookies(['a=1; Path=/'], '/', 0));
    advance(3_000);
    assert.equal(await records.getSession(session.id), undefined);
  });

  test('each sign-in is recorded as the user last signing in; the signed-in users are listed', async () => {
    const { records, advance } = setup();
    assert.equal(await records.lastSignIn('alice'), undefined);
    const first = await records.createSession('alice', 'admin', {}, 'totp', undefined);
    assert.equal(await records.lastSignIn('alice'), first.createdAt);
    advance(MINUTE);
    const second = await records.createSession('alice', 'admin', {}, 'totp', undefined);
    await records.createSession('bob', 'staff', {}, 'none', undefined);
    assert.equal(await records.lastSignIn('alice'), second.createdAt);
    await records.revoke('alice');
    assert.equal(await records.lastSignIn('alice'), second.createdAt, 'an ended session does not forget the sign-in');
    assert.deepEqual((await records.signedInUsers()).sort(), ['alice', 'bob']);
  });

  test('revoking a user ends all of their sessions and no one else’s', async () => {
    const { records, advance } = setup();
    const a1 = await records.createSession('alice', 'admin', {}, 'none', undefined);
    const a2 = await records.createSession('alice', 'admin', {}, 'none', undefined);
    const b = await records.createSession('bob', 'staff', {}, 'none', undefined);
    assert.equal((await records.listSessions('alice')).length, 2);
    assert.deepEqual((await records.revoke('alice')).sort(), [a1.id, a2.id].sort());
    advance(1);
    assert.equal(await records.getSession(a1.id), undefined);
    assert.ok(await records.getSession(b.id));
    await records.revoke({ all: true });
    assert.equal(await records.getSession(b.id), undefined);
  });

  test('revoking counts only live sessions; the index does not grow with logins', async () => {
    const { records, store, advance } = setup();
    for (let login = 0; login < 5; login++) {
      await records.createSession('alice', 'admin', {}, 'none', undefined);
      advance(12 * 60 * MINUTE); // each one has ended (its absolute lifetime) before the next login
    }
    const live = await records.createSession('alice', 'admin', {}, 'none', undefined);
    const index = (await store.orderedMembers('sessions:user-index:alice')).map((member) => member.split('.').at(-1));
    assert.deepEqual(index, [live.id], 'ended sessions pruned at login, without reading them');
    assert.deepEqual(await records.revoke({ all: true }), [live.id]);
    assert.deepEqual(await records.revoke('alice'), []);
  });
});

describe('pending logins', () => {
  const withheld = { status: 302, headers: [['location', '/dashboard']] as Array<[string, string]>, body: '' };

  test('expire after 5 minutes', async () => {
    const { records, advance } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    assert.ok(await records.getPending(pending.id));
    advance(5 * MINUTE + 1);
    assert.equal(await records.getPending(pending.id), undefined);
  });

  test('count answers and end', async () => {
    const { records } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    assert.equal(await records.countAttempt(pending), 1);
    assert.equal(await records.countAttempt(pending), 2);
    await records.endPending(pending.id);
    assert.equal(await records.getPending(pending.id), undefined);
  });

  test('ending is granted to one caller only, so a pending login is promoted once', async () => {
    const { records } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    const ended = await Promise.all([records.endPending(pending.id), records.endPending(pending.id)]);
    assert.deepEqual(ended.sort(), [false, true]);
  });

  test('an expired pending login is claimed once, with its jar, by one of several sweeps at once', async () => {
    const { records, store, advance } = setup();
    const jar = { [jarKey('sid', '/')]: { name: 'sid', value: 'app-session', path: '/' } };
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar, withheld });
    const { pending: ended } = await records.createPending({ user: 'bob', role: 'staff', step: 'totp', jar, withheld });
    await records.endPending(ended.id);
    assert.deepEqual(await records.claimExpiredPending(), [], 'nothing has expired yet');
    advance(5 * MINUTE);
    const claims = await Promise.all([records.claimExpiredPending(), records.claimExpiredPending()]);
    const claimed = claims.flat();
    assert.equal(claimed.length, 1, 'one sweep owns it; the one ended before is nobody');
    assert.equal(claimed[0]?.id, pending.id);
    assert.deepEqual(claimed[0]?.jar, jar);
    assert.equal(await records.getPending(pending.id), undefined);
    assert.deepEqual(await records.claimExpiredPending(), []);
    assert.deepEqual(await store.members('pending:all'), [], 'the index forgets them all');
  });

  test("the user's next login leaves an expired pending login to the sweep", async () => {
    const { records, advance } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    // A second login keeps the user's index alive past the first one's end; the third prunes it.
    advance(4 * MINUTE);
    await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    advance(2 * MINUTE);
    await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    assert.deepEqual(
      (await records.claimExpiredPending()).map((record) => record.id),
      [pending.id],
    );
  });

  test('a pending login that a promotion ends first is not claimed by the sweep', async () => {
    const { records, advance } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    advance(5 * MINUTE - 1);
    assert.ok(await records.getPending(pending.id));
    advance(1);
    // The code was checked on the record read a moment ago; the promotion's delete comes first.
    assert.equal(await records.endPending(pending.id), true);
    assert.deepEqual(await records.claimExpiredPending(), []);
  });

  test('a pending id is never a session id', async () => {
    const { records } = setup();
    const { pending } = await records.createPending({ user: 'alice', role: 'admin', step: 'totp', jar: {}, withheld });
    assert.equal(await records.getSession(pending.id), undefined);
  });
});
