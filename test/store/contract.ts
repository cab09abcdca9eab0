// The store contract: one suite that every backend (memory, LMDB, Redis standalone and Cluster)
// runs, so that the backends stay interchangeable. Time is the store's own: a fake clock moved
// with advance() where the backend has one, otherwise real short TTLs observed by polling a
// marker key that started with them (a slow machine makes the test slower, never wrong).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { type Store, StoreUnavailableError } from '../../src/store/store.js';
import { waitFor } from '../helpers/wait.js';

export interface StoreHarness {
  store: Store;
  /** Moves the store's clock forward; absent for a backend on real time. */
  advance?(ms: number): void;
  /**
   * The TTL of the tests on real time (1 s by default). A backend whose calls take longer (a
   * Cluster client per test, a Sentinel lookup) on a loaded machine needs more room before a
   * TTL's halfway point; a longer one only makes its tests slower.
   */
  realTtlMs?: number;
  cleanup(): Promise<void>;
}

/** The TTL of the tests on real time: short, with room for a slow machine before its halfway point. */
const REAL_TTL_MS = 1000;
const FAKE_TTL_MS = 60_000;

interface Timer {
  /** Resolves once `ms` have passed on the store's clock since the timer was started. */
  done(): Promise<void>;
}

/**
 * Vouches for "less than ms have passed since I was set" on the store's clock: asked after a
 * check of something written after it with a TTL of at least ms, it says whether that check ran
 * while the TTL still held. On real time a loaded machine can be slower than a TTL; a check it
 * cannot vouch for proves nothing either way and is left out, rather than failing.
 */
interface Guard {
  holds(): Promise<boolean>;
}

/** Everything a test gets: its own fresh store and a clock to wait on. */
interface Context {
  store: Store;
  ttl: number;
  /** Starts a timer of `ms` on the store's clock, now. */
  timer(ms: number): Promise<Timer>;
  /** Sets a guard of `ms` on the store's clock, now. */
  guard(ms: number): Promise<Guard>;
}

function contextOf(harness: StoreHarness): Context {
  const { store, advance } = harness;
  if (advance) {
    let elapsed = 0;
    return {
      store,
      ttl: FAKE_TTL_MS,
      async timer(ms) {
        const end = elapsed + ms;
        return {
          async done() {
            if (end > elapsed) advance(end - elapsed);
            elapsed = Math.max(elapsed, end);
          },
        };
      },
      async guard(ms) {
        const start = elapsed;
        return { holds: async () => elapsed - start < ms };
      },
    };
  }
  return {
    store,
    ttl: harness.realTtlMs ?? REAL_TTL_MS,
    async guard(ms) {
      const marker = `guard:${randomUUID()}`;
      await store.set(marker, '1', ms);
      return { holds: async () => (await store.get(marker)) !== undefined };
    },
    async timer(ms) {
      // A marker key with the same TTL, set after the key under test: once it is gone, so is that one's TTL.
      const marker = `timer:${randomUUID()}`;
      await store.set(marker, '1', ms);
      return {
        done: () =>
          waitFor(`${ms} ms to pass on the store's clock`, async () => (await store.get(marker)) === undefined),
      };
    },
  };
}

const sorted = (values: string[]) => [...values].sort();

/** Registers the contract suite for one backend; `factory` gives each test its own empty store. */
export function runStoreContract(name: string, factory: () => Promise<StoreHarness>): void {
  // Each test has its own store, so they run concurrently: the real-time waits overlap.
  describe(`store contract: ${name}`, { concurrency: true }, () => {
    const it = (title: string, body: (context: Context) => Promise<void>) =>
      test(title, async () => {
        const harness = await factory();
        try {
          await body(contextOf(harness));
        } finally {
          await harness.cleanup();
        }
      });

    it('get answers undefined for an absent key, the value after set, the new value after another set', async ({
      store,
    }) => {
      assert.equal(await store.get('absent'), undefined);
      await store.set('k', 'one');
      assert.equal(await store.get('k'), 'one');
      await store.set('k', 'two');
      assert.equal(await store.get('k'), 'two');
      await store.set('empty', '');
      assert.equal(await store.get('empty'), '');
    });

    it('delete removes a value and says so once', async ({ store }) => {
      await store.set('k', 'v');
      assert.equal(await store.delete('k'), true);
      assert.equal(await store.get('k'), undefined);
      assert.equal(await store.delete('k'), false);
      assert.equal(await store.delete('never'), false);
    });

    it('a value with a TTL is there before it ends and gone after; values without one stay', async ({
      store,
      ttl,
      timer,
      guard,
    }) => {
      const live = await guard(ttl);
      await store.set('short', 'v', ttl);
      const full = await timer(ttl);
      const half = await timer(ttl / 2);
      await store.set('long', 'v', ttl * 100);
      await store.set('forever', 'v');
      await half.done();
      const during = await store.get('short');
      if (await live.holds()) assert.equal(during, 'v');
      await full.done();
      assert.equal(await store.get('short'), undefined);
      assert.equal(await store.delete('short'), false, 'an expired key is not there to delete');
      assert.equal(await store.get('long'), 'v');
      assert.equal(await store.get('forever'), 'v');
    });

    it('set without a TTL clears an earlier one', async ({ store, ttl, timer }) => {
      await store.set('k', 'old', ttl);
      await store.set('k', 'new');
      await (await timer(ttl)).done();
      assert.equal(await store.get('k'), 'new');
    });

    it('setIfAbsent writes only a key that is absent or expired', async ({ store, ttl, timer, guard }) => {
      const live = await guard(ttl);
      assert.equal(await store.setIfAbsent('k', 'first', ttl), true);
      const full = await timer(ttl);
      const second = await store.setIfAbsent('k', 'second');
      const during = await store.get('k');
      if (!(await live.holds())) return;
      assert.equal(second, false);
      assert.equal(during, 'first');
      await full.done();
      assert.equal(await store.setIfAbsent('k', 'third'), true);
      assert.equal(await store.get('k'), 'third');
    });

    it('setIfAbsent: of 20 concurrent calls exactly one wins, and its value is stored', async ({ store }) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('k', `v${i}`)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.get('k'), `v${results.indexOf(true)}`);
    });

    it('increment counts in a fixed window that later increments do not extend', async ({
      store,
      ttl,
      timer,
      guard,
    }) => {
      const live = await guard(ttl);
      assert.equal(await store.increment('c', ttl), 1);
      const full = await timer(ttl);
      const half = await timer(ttl / 2);
      const second = await store.increment('c', ttl);
      await half.done();
      const third = await store.increment('c', ttl);
      if (!(await live.holds())) return;
      assert.equal(second, 2);
      assert.equal(third, 3, 'still in the window at its half');
      await full.done();
      assert.equal(await store.increment('c', ttl), 1, 'a new window once the first has ended');
      assert.equal(await store.get('c'), '1');
    });

    it('increment: 20 concurrent calls count to 20, each seeing its own count', async ({ store, ttl }) => {
      const counts = await Promise.all(Array.from({ length: 20 }, () => store.increment('c', ttl)));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal(await store.get('c'), '20');
    });

    it('setIfGreater stores only a number greater than the stored one', async ({ store, ttl, timer }) => {
      assert.equal(await store.setIfGreater('step', 5, ttl), true);
      const full = await timer(ttl);
      assert.equal(await store.setIfGreater('step', 5, ttl), false, 'an equal number is a replay');
      assert.equal(await store.setIfGreater('step', 3, ttl), false);
      assert.equal(await store.get('step'), '5');
      assert.equal(await store.setIfGreater('negative', -2), true);
      assert.equal(await store.setIfGreater('negative', -3), false);
      await full.done();
      assert.equal(await store.setIfGreater('step', 1), true, 'nothing stored once the TTL has passed');
      assert.equal(await store.get('step'), '1');
    });

    it('setIfGreater: the same number sent 20 times concurrently wins once; of shuffled numbers the greatest is kept', async ({
      store,
    }) => {
      const same = await Promise.all(Array.from({ length: 20 }, () => store.setIfGreater('same', 42)));
      assert.equal(same.filter(Boolean).length, 1);
      const numbers = [7, 19, 3, 12, 20, 1, 15, 9, 18, 4, 11, 16, 2, 14, 6, 17, 10, 5, 13, 8];
      const won = await Promise.all(numbers.map((n) => store.setIfGreater('mixed', n)));
      assert.equal(won[numbers.indexOf(20)], true);
      assert.equal(await store.get('mixed'), '20');
      assert.equal(await store.setIfGreater('mixed', 20), false);
    });

    it('a set adds members once, removes each once, and lists them', async ({ store }) => {
      assert.deepEqual(await store.members('s'), []);
      await store.addToSet('s', 'a');
      await store.addToSet('s', 'b');
      await store.addToSet('s', 'a');
      assert.deepEqual(sorted(await store.members('s')), ['a', 'b']);
      assert.equal(await store.removeFromSet('s', 'a'), true);
      assert.equal(await store.removeFromSet('s', 'a'), false, 'a member is used once');
      assert.equal(await store.removeFromSet('s', 'zz'), false);
      assert.equal(await store.removeFromSet('absent', 'a'), false);
      assert.deepEqual(await store.members('s'), ['b']);
      assert.equal(await store.removeFromSet('s', 'b'), true);
      assert.deepEqual(await store.members('s'), []);
      assert.equal(await store.delete('s'), false, 'a set without members is gone');
    });

    it('removeFromSet: of 20 concurrent removals of one member exactly one succeeds', async ({ store }) => {
      await store.addToSet('codes', 'ABCDE-12345');
      const removed = await Promise.all(Array.from({ length: 20 }, () => store.removeFromSet('codes', 'ABCDE-12345')));
      assert.equal(removed.filter(Boolean).length, 1);
    });

    it('delete removes a whole set', async ({ store }) => {
      await store.addToSet('s', 'x');
      await store.addToSet('s', 'y');
      assert.equal(await store.delete('s'), true);
      assert.deepEqual(await store.members('s'), []);
      assert.equal(await store.delete('s'), false);
    });

    // Sets, ordered sets and capped lists: one time-to-live for the whole collection.
    const collections: Array<{
      name: string;
      /** Adds the nth item, with a TTL or without. */
      add(store: Store, item: string, n: number, ttl?: number): Promise<void>;
      /** The collection as each of its reads answers it. */
      reads(store: Store): Promise<string[][]>;
      /** What they answer once 'a' then 'b' are added. */
      both: readonly string[];
    }> = [
      {
        name: 'a set',
        add: (store, item, _n, ttl) => store.addToSet('c', item, ttl),
        reads: async (store) => [sorted(await store.members('c'))],
        both: ['a', 'b'],
      },
      {
        name: 'an ordered set',
        add: (store, item, n, ttl) => store.addOrdered('c', item, n, ttl),
        reads: async (store) => [await store.orderedMembers('c'), await store.lowestOrdered('c', { keep: 0 })],
        both: ['a', 'b'],
      },
      {
        name: 'a capped list',
        add: (store, item, _n, ttl) => store.pushCapped('c', item, 10, ttl),
        reads: async (store) => [await store.listItems('c')],
        both: ['b', 'a'],
      },
    ];
    for (const { name, add, reads, both } of collections) {
      it(`${name} with a TTL expires whole; adding with a TTL renews it, adding without keeps it`, async ({
        store,
        ttl,
        timer,
        guard,
      }) => {
        const live = await guard(ttl);
        await add(store, 'a', 1, ttl);
        const first = await timer(ttl);
        const half = await timer(ttl / 2);
        await half.done();
        await add(store, 'b', 2, ttl);
        if (!(await live.holds())) return;
        const renewed = await timer(ttl);
        await first.done();
        for (const items of await reads(store)) assert.deepEqual(items, both, 'renewed by the second add');
        await add(store, 'c', 3);
        await renewed.done();
        for (const items of await reads(store)) assert.deepEqual(items, [], 'an add without a TTL keeps it expiring');
      });
    }

    it('a set made anew never brings back the members of one that was overwritten, deleted or expired', async ({
      store,
      ttl,
      timer,
    }) => {
      await store.addToSet('s', 'overwritten');
      await store.set('s', 'a value now');
      await store.delete('s');
      await store.addToSet('s', 'new');
      assert.deepEqual(await store.members('s'), ['new']);
      await store.addToSet('t', 'expired', ttl);
      await (await timer(ttl)).done();
      await store.addToSet('t', 'new');
      assert.deepEqual(await store.members('t'), ['new']);
    });

    it('an ordered set keeps its members by score, whatever order they came in, each once', async ({ store }) => {
      assert.deepEqual(await store.orderedMembers('o'), []);
      assert.deepEqual(await store.lowestOrdered('o', { limit: 5 }), []);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 0 }), []);
      for (const [member, score] of [
        ['c', 30],
        ['a', 10],
        ['e', 50],
        ['b', 20],
        ['d', 40],
        ['a', 10],
      ] as const)
        await store.addOrdered('o', member, score);
      assert.deepEqual(
        await store.orderedMembers('o'),
        ['a', 'b', 'c', 'd', 'e'],
        'an add of a member there is no new member',
      );
      assert.deepEqual(await store.lowestOrdered('o', { limit: 2 }), ['a', 'b']);
      assert.deepEqual(await store.lowestOrdered('o', { limit: 99 }), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 3 }), ['a', 'b'], 'the lowest beyond the 3 highest');
      assert.deepEqual(await store.lowestOrdered('o', { keep: 5 }), []);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 0 }), ['a', 'b', 'c', 'd', 'e']);
      await store.addOrdered('o', 'a', 45);
      assert.deepEqual(await store.orderedMembers('o'), ['b', 'c', 'd', 'a', 'e'], 'a new score moves a member');
      await store.addOrdered('o', 'neg', -1.5);
      await store.addOrdered('o', 'zero', 0);
      await store.addOrdered('o', 'big', 2 ** 52 + 1);
      assert.deepEqual(
        await store.lowestOrdered('o', { limit: 3 }),
        ['neg', 'zero', 'b'],
        'negative and fractional scores order as numbers',
      );
      assert.deepEqual(await store.lowestOrdered('o', { keep: 1 }), ['neg', 'zero', 'b', 'c', 'd', 'a', 'e']);
    });

    it('an ordered set removes each member once, is gone with its last member, and is deleted whole', async ({
      store,
    }) => {
      await store.addOrdered('o', 'x', 1);
      await store.addOrdered('o', 'y', 2);
      assert.equal(await store.removeOrdered('o', 'x'), true);
      assert.equal(await store.removeOrdered('o', 'x'), false);
      assert.equal(await store.removeOrdered('o', 'never'), false);
      assert.equal(await store.removeOrdered('absent', 'x'), false);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 0 }), ['y'], 'the count follows a remove');
      await store.addOrdered('o', 'x', 1);
      assert.deepEqual(await store.orderedMembers('o'), ['x', 'y'], 'a removed member comes back at its new add');
      assert.equal(await store.removeOrdered('o', 'x'), true);
      assert.equal(await store.removeOrdered('o', 'y'), true);
      assert.deepEqual(await store.orderedMembers('o'), []);
      assert.equal(await store.delete('o'), false, 'an ordered set without members is gone');
      await store.addOrdered('o', 'a', 1);
      await store.addOrdered('o', 'b', 2);
      assert.equal(await store.delete('o'), true);
      assert.deepEqual(await store.orderedMembers('o'), []);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 0 }), []);
    });

    it('an ordered set made anew never brings back members of one overwritten, deleted or expired', async ({
      store,
      ttl,
      timer,
    }) => {
      await store.addOrdered('o', 'overwritten', 1);
      await store.writeAll([{ op: 'set', key: 'o', value: 'a value now' }]);
      assert.equal(await store.get('o'), 'a value now', 'writeAll overwrites an ordered set');
      await store.delete('o');
      await store.addOrdered('o', 'new', 2);
      assert.deepEqual(await store.orderedMembers('o'), ['new']);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 0 }), ['new'], 'its count starts anew too');
      await store.addOrdered('t', 'expired', 1, ttl);
      await (await timer(ttl)).done();
      await store.addOrdered('t', 'new', 2);
      assert.deepEqual(await store.orderedMembers('t'), ['new']);
      assert.deepEqual(await store.lowestOrdered('t', { keep: 0 }), ['new']);
    });

    it('ordered set: 20 concurrent adds all land; of 20 concurrent removals of one member exactly one succeeds', async ({
      store,
    }) => {
      const members = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}`);
      await Promise.all(members.map((member, i) => store.addOrdered('o', member, i)));
      assert.deepEqual(await store.orderedMembers('o'), members);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 15 }), members.slice(0, 5));
      const removed = await Promise.all(Array.from({ length: 20 }, () => store.removeOrdered('o', 'm00')));
      assert.equal(removed.filter(Boolean).length, 1);
      assert.deepEqual(await store.lowestOrdered('o', { keep: 15 }), members.slice(1, 5));
    });

    it('scores and ranges no backend can honour are refused alike, writing nothing', async ({ store }) => {
      for (const score of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        await assert.rejects(store.addOrdered('o', 'm', score), RangeError, `score ${score}`);
      }
      await assert.rejects(store.addOrdered('o', 'm', 1, 0), RangeError);
      assert.deepEqual(await store.orderedMembers('o'), []);
      for (const range of [{ limit: 0 }, { limit: 1.5 }, { keep: -1 }, { keep: Number.NaN }]) {
        await assert.rejects(store.lowestOrdered('o', range), RangeError, JSON.stringify(range));
      }
    });

    it('a capped list keeps its newest items, newest first, and is deleted whole', async ({ store }) => {
      assert.deepEqual(await store.listItems('trail'), []);
      for (const item of ['a', 'b', 'c', 'd']) await store.pushCapped('trail', item, 3);
      assert.deepEqual(await store.listItems('trail'), ['d', 'c', 'b'], 'the oldest beyond the cap is dropped');
      await store.pushCapped('trail', 'e', 2);
      assert.deepEqual(await store.listItems('trail'), ['e', 'd'], 'a smaller cap trims at once');
      await store.pushCapped('trail', 'e', 5);
      assert.deepEqual(await store.listItems('trail'), ['e', 'e', 'd'], 'an item pushed twice is there twice');
      assert.equal(await store.delete('trail'), true);
      assert.deepEqual(await store.listItems('trail'), []);
      await store.pushCapped('trail', 'anew', 3);
      assert.deepEqual(await store.listItems('trail'), ['anew'], 'a list made anew brings back nothing');
      await store.writeAll([{ op: 'set', key: 'trail', value: 'a value now' }]);
      assert.equal(await store.get('trail'), 'a value now', 'writeAll overwrites a list');
    });

    it('pushCapped: 20 concurrent pushes all land, and the cap holds', async ({ store }) => {
      const items = Array.from({ length: 20 }, (_, i) => `item ${i}`);
      await Promise.all(items.map((item) => store.pushCapped('all', item, 50)));
      assert.deepEqual(sorted(await store.listItems('all')), sorted(items));
      await Promise.all(items.map((item) => store.pushCapped('capped', item, 5)));
      const kept = await store.listItems('capped');
      assert.equal(kept.length, 5);
      assert.ok(kept.every((item) => items.includes(item)));
    });

    it('a cap no backend can honour is refused alike, writing nothing', async ({ store }) => {
      for (const max of [0, -1, 1.5, Number.NaN]) {
        await assert.rejects(store.pushCapped('trail', 'x', max), RangeError, `cap ${max}`);
      }
      await assert.rejects(store.pushCapped('trail', 'x', 3, 0), RangeError);
      assert.deepEqual(await store.listItems('trail'), []);
    });

    it('keys, values and members are kept exactly as given, Unicode included', async ({ store }) => {
      const nfc = 'caf\u00e9';
      const nfd = 'cafe\u0301';
      await store.set(nfc, 'composed');
      await store.set(nfd, 'decomposed');
      assert.equal(await store.get(nfc), 'composed');
      assert.equal(await store.get(nfd), 'decomposed', 'keys are not normalised');
      const value = 'Grüße, 世界 🔐 — "quoted" \\ back\nslash\ttab \u0000 nul';
      await store.set('ключ:🔑', value);
      assert.equal(await store.get('ключ:🔑'), value);
      await store.addToSet('集合', 'ünïcödé 👩‍👩‍👧');
      assert.deepEqual(await store.members('集合'), ['ünïcödé 👩‍👩‍👧']);
      await store.addOrdered('順序', 'ünïcödé 👩‍👩‍👧 \u0000', 1);
      assert.deepEqual(await store.orderedMembers('順序'), ['ünïcödé 👩‍👩‍👧 \u0000']);
      assert.equal(await store.increment('zähler', 60_000), 1);
    });

    it('a 100 KB value is stored whole', async ({ store }) => {
      const value = 'x€🔑'.repeat(12_800).slice(0, 100 * 1024);
      await store.set('large', value);
      assert.equal(await store.get('large'), value);
    });

    it('TTLs and numbers that no backend can honour are refused alike', async ({ store }) => {
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(store.set('k', 'v', ttl), RangeError, `ttl ${ttl}`);
        await assert.rejects(store.increment('k', ttl), RangeError, `ttl ${ttl}`);
      }
      await assert.rejects(store.setIfGreater('k', Number.NaN), RangeError);
      assert.equal(await store.get('k'), undefined, 'a refused call writes nothing');
    });

    // Keys share a {hash tag} so that the write runs in a Redis Cluster too (one hash slot).
    it('writeAll applies sets, deletes and set replacements together, in order', async ({ store, ttl, timer }) => {
      await store.set('{u}:old', 'x');
      await store.addToSet('{u}:codes', 'stale');
      await store.set('{u}:was-value', 'v');
      await store.writeAll([
        { op: 'set', key: '{u}:secret', value: 's1' },
        { op: 'set', key: '{u}:short', value: 'v', ttlMs: ttl },
        { op: 'delete', key: '{u}:old' },
        { op: 'replaceSet', key: '{u}:codes', members: ['a', 'b', 'a'] },
        { op: 'replaceSet', key: '{u}:was-value', members: ['m'], ttlMs: ttl * 100 },
        { op: 'set', key: '{u}:secret', value: 's2' },
      ]);
      const full = await timer(ttl);
      assert.equal(await store.get('{u}:secret'), 's2', 'the later change to a key wins');
      assert.equal(await store.get('{u}:old'), undefined);
      assert.deepEqual(sorted(await store.members('{u}:codes')), ['a', 'b'], 'the set is replaced whole');
      assert.deepEqual(await store.members('{u}:was-value'), ['m'], 'a change overwrites a key of the other kind');
      assert.equal(await store.get('{u}:short'), 'v');
      await full.done();
      assert.equal(await store.get('{u}:short'), undefined, 'a TTL given applies');
      assert.deepEqual(await store.members('{u}:was-value'), ['m']);
      await store.writeAll([{ op: 'replaceSet', key: '{u}:codes', members: [] }]);
      assert.equal(await store.delete('{u}:codes'), false, 'replacing a set by no members deletes it');
      await store.writeAll([]);
    });

    it('writeAll with one TTL no backend can honour writes nothing', async ({ store }) => {
      await assert.rejects(
        store.writeAll([
          { op: 'set', key: '{u}:a', value: 'v' },
          { op: 'set', key: '{u}:b', value: 'v', ttlMs: 0 },
        ]),
        RangeError,
      );
      assert.equal(await store.get('{u}:a'), undefined);
    });

    it('writeAll: of 20 concurrent writes of the same keys one is left whole, never a mix', async ({ store }) => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.writeAll([
            { op: 'set', key: '{u}:first', value: String(i) },
            { op: 'replaceSet', key: '{u}:members', members: [String(i), `${i}+`] },
            { op: 'set', key: '{u}:last', value: String(i) },
          ]),
        ),
      );
      const winner = await store.get('{u}:first');
      assert.ok(winner !== undefined);
      assert.equal(await store.get('{u}:last'), winner);
      assert.deepEqual(sorted(await store.members('{u}:members')), sorted([winner, `${winner}+`]));
    });

    it('writeAll ifAbsent: applied only while the key is absent or expired, all or nothing', async ({
      store,
      ttl,
      timer,
    }) => {
      const changes = [
        { op: 'set', key: '{u}:secret', value: 's' },
        { op: 'replaceSet', key: '{u}:codes', members: ['a', 'b'] },
      ] as const;
      assert.equal(await store.writeAll(changes, { ifAbsent: '{u}:secret' }), true, 'absent: applied');
      assert.equal(await store.get('{u}:secret'), 's');
      const again = [
        { op: 'set', key: '{u}:secret', value: 'other' },
        { op: 'replaceSet', key: '{u}:codes', members: ['c'] },
      ] as const;
      assert.equal(await store.writeAll(again, { ifAbsent: '{u}:secret' }), false, 'present: refused');
      assert.equal(await store.get('{u}:secret'), 's', 'nothing of a refused write is applied');
      assert.deepEqual(sorted(await store.members('{u}:codes')), ['a', 'b']);
      await store.addToSet('{u}:guard-set', 'm');
      assert.equal(await store.writeAll(again, { ifAbsent: '{u}:guard-set' }), false, 'a set counts as present');
      await store.set('{u}:short', 'v', ttl);
      const expired = await timer(ttl);
      assert.equal(await store.writeAll(again, { ifAbsent: '{u}:short' }), false);
      await expired.done();
      assert.equal(await store.writeAll(again, { ifAbsent: '{u}:short' }), true, 'an expired key is absent');
      assert.equal(await store.get('{u}:secret'), 'other');
      assert.equal(await store.writeAll([], { ifAbsent: '{u}:none' }), true);
    });

    it('writeAll ifPresent: applied only while the key holds something (a value, a set), not once deleted or expired', async ({
      store,
      ttl,
      timer,
    }) => {
      const changes = [{ op: 'delete', key: '{u}:codes' }] as const;
      await store.writeAll([{ op: 'replaceSet', key: '{u}:codes', members: ['a'] }]);
      assert.equal(await store.writeAll(changes, { ifPresent: '{u}:none' }), false, 'absent: refused');
      assert.deepEqual(await store.members('{u}:codes'), ['a'], 'nothing of a refused write is applied');
      await store.addToSet('{u}:keeper-set', 'm');
      assert.equal(await store.writeAll([], { ifPresent: '{u}:keeper-set' }), true, 'a set counts as present');
      await store.removeFromSet('{u}:keeper-set', 'm');
      assert.equal(
        await store.writeAll([], { ifPresent: '{u}:keeper-set' }),
        false,
        'its last member gone, it is absent',
      );
      await store.set('{u}:short', 'v', ttl);
      const expired = await timer(ttl);
      assert.equal(await store.writeAll([], { ifPresent: '{u}:short' }), true);
      await expired.done();
      assert.equal(await store.writeAll([], { ifPresent: '{u}:short' }), false, 'an expired key is absent');
      await store.set('{u}:keeper', '');
      assert.equal(await store.writeAll(changes, { ifPresent: '{u}:keeper' }), true, 'the empty value is present');
      assert.deepEqual(await store.members('{u}:codes'), []);
    });

    it('writeAll ifAbsent: of 20 concurrent writes guarded by the key they write, exactly one is applied', async ({
      store,
    }) => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.writeAll(
            [
              { op: 'set', key: '{u}:secret', value: String(i) },
              { op: 'replaceSet', key: '{u}:codes', members: [String(i)] },
            ],
            { ifAbsent: '{u}:secret' },
          ),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(await store.get('{u}:secret'), String(winner));
      assert.deepEqual(await store.members('{u}:codes'), [String(winner)]);
    });

    it('writeAll ifEquals: applied only while the key holds exactly the value read, all or nothing', async ({
      store,
      ttl,
      timer,
    }) => {
      const read = JSON.stringify({ seenAt: 1, vault: 'sealed' });
      await store.set('{u}:record', read, ttl * 100);
      const changes = (value: string) =>
        [
          { op: 'set', key: '{u}:record', value, ttlMs: ttl * 100 },
          { op: 'replaceSet', key: '{u}:ids', members: [value] },
        ] as const;
      const ifEquals = (value: string) => ({ ifEquals: { key: '{u}:record', value } });
      assert.equal(await store.writeAll(changes('second'), ifEquals(read)), true, 'unchanged since read: applied');
      assert.equal(await store.get('{u}:record'), 'second');
      assert.deepEqual(await store.members('{u}:ids'), ['second']);
      assert.equal(await store.writeAll(changes('stale'), ifEquals(read)), false, 'changed since read: refused');
      assert.equal(await store.get('{u}:record'), 'second', 'nothing of a refused write is applied');
      assert.deepEqual(await store.members('{u}:ids'), ['second']);
      assert.equal(await store.writeAll(changes('x'), ifEquals('secon')), false, 'a prefix is not equal');
      assert.equal(await store.writeAll(changes('x'), ifEquals('second ')), false, 'nor a longer value');

      await store.delete('{u}:record');
      assert.equal(await store.writeAll(changes('revived'), ifEquals('second')), false, 'deleted since read: refused');
      assert.equal(await store.get('{u}:record'), undefined, 'a deleted key is not written back');
      assert.equal(await store.writeAll(changes('revived'), ifEquals('')), false, 'absent is not the empty value');
      await store.set('{u}:empty', '');
      assert.equal(await store.writeAll([], { ifEquals: { key: '{u}:empty', value: '' } }), true, 'the empty value');

      await store.addToSet('{u}:a-set', 'm');
      assert.equal(await store.writeAll(changes('x'), { ifEquals: { key: '{u}:a-set', value: 'm' } }), false, 'a set');
      await store.pushCapped('{u}:a-list', 'm', 5);
      assert.equal(
        await store.writeAll(changes('x'), { ifEquals: { key: '{u}:a-list', value: 'm' } }),
        false,
        'a list',
      );
      assert.deepEqual(await store.members('{u}:a-set'), ['m'], 'a refused write leaves its key as it was');

      await store.set('{u}:short', 'v', ttl);
      await (await timer(ttl)).done();
      const late = await store.writeAll(changes('late'), { ifEquals: { key: '{u}:short', value: 'v' } });
      assert.equal(late, false, 'an expired key is absent');
      assert.equal(await store.get('{u}:record'), undefined);
    });

    it('writeAll ifEquals: of 20 concurrent writes conditioned on one value read, exactly one is applied', async ({
      store,
    }) => {
      await store.set('{u}:record', 'read');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.writeAll(
            [
              { op: 'set', key: '{u}:record', value: String(i) },
              { op: 'set', key: '{u}:other', value: String(i) },
            ],
            { ifEquals: { key: '{u}:record', value: 'read' } },
          ),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = String(results.indexOf(true));
      assert.equal(await store.get('{u}:record'), winner);
      assert.equal(await store.get('{u}:other'), winner);
    });

    it('writeAll ifEquals: a read-modify-write retried on a refusal loses no concurrent change', async ({ store }) => {
      await store.set('{u}:count', '0');
      const addOne = async () => {
        for (;;) {
          const read = (await store.get('{u}:count')) as string;
          const next = String(Number(read) + 1);
          if (
            await store.writeAll([{ op: 'set', key: '{u}:count', value: next }], {
              ifEquals: { key: '{u}:count', value: read },
            })
          )
            return;
        }
      };
      await Promise.all(Array.from({ length: 10 }, addOne));
      assert.equal(await store.get('{u}:count'), '10');
    });

    it('writeAll with several conditions: applied only when every one holds', async ({ store }) => {
      await store.set('{u}:version', 'v1');
      const changes = [{ op: 'set', key: '{u}:version', value: 'v2' }] as const;
      const both = (version: string, absent: string) => [
        { ifEquals: { key: '{u}:version', value: version } },
        { ifAbsent: absent },
      ];
      await store.set('{u}:other-factor', 'secret');
      assert.equal(await store.writeAll(changes, both('v1', '{u}:other-factor')), false, 'the second fails');
      assert.equal(await store.writeAll(changes, both('v0', '{u}:none')), false, 'the first fails');
      assert.equal(await store.get('{u}:version'), 'v1', 'nothing of a refused write is applied');
      assert.equal(await store.writeAll(changes, both('v1', '{u}:none')), true, 'both hold');
      assert.equal(await store.get('{u}:version'), 'v2');
      assert.equal(await store.writeAll(changes, []), true, 'no condition at all');
    });

    it('ping answers; after close every call rejects with StoreUnavailableError', async ({ store }) => {
      await store.ping();
      await store.close();
      await store.close();
      await assert.rejects(store.get('k'), StoreUnavailableError);
      await assert.rejects(store.set('k', 'v'), StoreUnavailableError);
      await assert.rejects(store.writeAll([{ op: 'delete', key: 'k' }]), StoreUnavailableError);
      await assert.rejects(store.ping(), StoreUnavailableError);
    });
  });
}
