// Two gateways change one session record at once, on every backend: memory (two record sets on
// one store), LMDB (two handles on one file) and a real Redis (two clients). Gateway A's read of
// the record is held until gateway B has ended the session or changed its vault, then A
// writes: a session B ended stays ended (S4: logout, "end all other sessions", an operator's
// revoke), and a vault change B made stays (a cookie the app rotated). No sleeps: the read is
// held by a store wrapper until the test lets it go.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createSealer, type Sealer } from '../../src/crypto/sealing.js';
import { changesFromSetCookies } from '../../src/session/cookie-jar.js';
import { createSessionRecords, type SessionRecords } from '../../src/session/records.js';
import { StoreContendedError } from '../../src/store/contention.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { type Store, StoreUnavailableError } from '../../src/store/store.js';
import { holdingStore, withReadHeld } from '../helpers/held-store.js';
import { type StorePair, sharedBackends } from '../helpers/shared-stores.js';

const MINUTE = 60_000;
/** One sealing key for every gateway of the test, as a deployment's gateways share theirs. */
const sealer: Sealer = createSealer([randomBytes(32)]);
const settings = () => ({ idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE, pendingMs: 5 * MINUTE });

/** Gateway A (whose reads can be held) and gateway B on two handles of one store, and a clock the test moves. */
function twoGateways(stores: readonly [Store, Store]) {
  let time = Date.now();
  const now = () => time;
  const held = holdingStore(stores[0]);
  const gateway = (store: Store): SessionRecords => createSessionRecords({ store, sealer, settings, now });
  return {
    a: gateway(held.store),
    b: gateway(stores[1]),
    /** A third gateway with nothing cached: what any gateway reads next. */
    fresh: () => gateway(stores[1]),
    holdNextRead: held.holdNextRead,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

const cookies = (line: string) => changesFromSetCookies([line], '/', Date.now());
const cookieValues = (record: { jar: Record<string, { value: string }> } | undefined) =>
  Object.values(record?.jar ?? {}).map((cookie) => cookie.value);

/** Runs `write` on gateway A with its read of the session held while B does `meanwhile`. */
const withSessionReadHeld = <T>(
  gateways: ReturnType<typeof twoGateways>,
  id: string,
  write: () => Promise<T>,
  meanwhile: () => Promise<unknown>,
) => withReadHeld(() => gateways.holdNextRead('get', `session:${id}`), write, meanwhile);

/** The race suite on one backend; `open` gives two handles on one fresh store. */
function raceSuite(backend: string, open: () => Promise<StorePair>) {
  describe(`${backend}: a session record changed by two gateways at once`, () => {
    const run = (title: string, body: (gateways: ReturnType<typeof twoGateways>) => Promise<void>) =>
      test(title, async () => {
        const { stores, close } = await open();
        try {
          await body(twoGateways(stores));
        } finally {
          await close();
        }
      });

    run("a touch that read the record before another gateway's logout does not bring it back", async (gateways) => {
      const { a, b, advance, fresh } = gateways;
      const session = await b.createSession('bob', 'staff', {}, 'none', undefined);
      advance(2 * MINUTE);
      const read = await a.getSession(session.id);
      assert.ok(read);
      await withSessionReadHeld(
        gateways,
        session.id,
        async () => a.touch(read),
        () => b.endSession(session.id),
      );
      assert.equal(await fresh().getSession(session.id), undefined, 'the session stays ended on every gateway');
      assert.equal(await a.getSession(session.id), undefined);
    });

    run('a vault write that read the record before a revocation does not bring it back', async (gateways) => {
      const { a, b, fresh } = gateways;
      const session = await b.createSession('bob', 'staff', {}, 'none', undefined);
      const generation = await withSessionReadHeld(
        gateways,
        session.id,
        () => a.updateVault(session.id, cookies('sid=rotated; Path=/')),
        () => b.revoke('bob'),
      );
      assert.equal(generation, undefined, 'no vault generation is issued for an ended session');
      assert.equal(await fresh().getSession(session.id), undefined, 'the session stays revoked on every gateway');
      assert.deepEqual(await fresh().listSessions('bob'), []);
    });

    run('a step-up that read the record before "end all other sessions" does not bring it back', async (gateways) => {
      const { a, b, fresh } = gateways;
      const kept = await b.createSession('carol', 'admin', {}, 'totp', undefined);
      const other = await b.createSession('carol', 'admin', {}, 'totp', undefined);
      const marked = await withSessionReadHeld(
        gateways,
        other.id,
        () => a.markSecondStep(other.id),
        () => b.endOtherSessions('carol', kept.id),
      );
      assert.equal(marked, undefined, 'the step-up is told the session ended');
      assert.equal(await fresh().getSession(other.id), undefined);
      assert.ok(await fresh().getSession(kept.id));
    });

    run("a touch that read the record before another gateway's vault write keeps that write", async (gateways) => {
      const { a, b, advance, fresh } = gateways;
      const session = await b.createSession('dana', 'admin', {}, 'none', undefined);
      advance(2 * MINUTE);
      const read = await a.getSession(session.id);
      assert.ok(read);
      let generation: number | undefined;
      await withSessionReadHeld(
        gateways,
        session.id,
        async () => a.touch(read),
        async () => {
          generation = await b.updateVault(session.id, cookies('sid=rotated; Path=/'));
        },
      );
      assert.equal(generation, 1);
      const now = await fresh().getSession(session.id);
      assert.deepEqual(cookieValues(now), ['rotated'], "B's vault change is kept");
      assert.equal(now?.vaultGeneration, 1);
      assert.equal(now?.seenAt, read.seenAt + 2 * MINUTE, "and A's touch is applied on top of it");
    });

    run('two vault writes that read the same record both land, in one generation each', async (gateways) => {
      const { a, b, fresh } = gateways;
      const session = await b.createSession('erin', 'admin', {}, 'none', undefined);
      let theirs: number | undefined;
      const ours = await withSessionReadHeld(
        gateways,
        session.id,
        () => a.updateVault(session.id, cookies('csrf=new; Path=/')),
        async () => {
          theirs = await b.updateVault(session.id, cookies('sid=rotated; Path=/'));
        },
      );
      assert.deepEqual([theirs, ours], [1, 2]);
      const now = await fresh().getSession(session.id, 2);
      assert.deepEqual(cookieValues(now).sort(), ['new', 'rotated']);
      assert.equal(now?.vaultGeneration, 2);
    });
  });
}

for (const backend of sharedBackends('record-races')) raceSuite(backend.name, backend.open);

describe('a session record that others keep changing', () => {
  /** A store where another gateway rewrites the record after every read of it (a space more: the same JSON). */
  function everReadChanged() {
    const store = createMemoryStore();
    let reads = 0;
    const contended: Store = {
      ...store,
      async get(key) {
        const value = await store.get(key);
        if (key.startsWith('session:') && value !== undefined) {
          reads++;
          await store.set(key, `${value} `);
        }
        return value;
      },
    };
    const now = () => Date.now() + 2 * MINUTE;
    const records = createSessionRecords({ store: contended, sealer, settings, now });
    const creator = createSessionRecords({ store, sealer, settings, now: Date.now });
    return { records, creator, store, reads: () => reads };
  }

  test('a touch gives up after a few attempts and writes nothing', async () => {
    const { records, creator, store, reads } = everReadChanged();
    const session = await creator.createSession('finn', 'staff', {}, 'none', undefined);
    const before = await store.get(`session:${session.id}`);
    await records.touch(session);
    assert.equal(reads(), 5, 'five attempts, then the touch is dropped');
    assert.equal((await store.get(`session:${session.id}`))?.trim(), before, 'nothing of it written');
  });

  test('a vault write gives up after a few attempts and rejects as a store failure (a 503, never a silent loss)', async () => {
    const { records, creator, reads } = everReadChanged();
    const session = await creator.createSession('finn', 'staff', {}, 'none', undefined);
    const changing = records.updateVault(session.id, cookies('sid=rotated; Path=/'));
    await assert.rejects(changing, StoreContendedError);
    await assert.rejects(changing, StoreUnavailableError);
    assert.equal(reads(), 5);
    assert.deepEqual(cookieValues(await creator.getSession(session.id)), []);
    await assert.rejects(records.markSecondStep(session.id), StoreContendedError);
  });
});

test('an authenticated request with nothing to write costs no store call', async () => {
  const store = createMemoryStore();
  let calls = 0;
  const counting = Object.fromEntries(
    Object.entries(store).map(([name, call]) => [
      name,
      (...args: unknown[]) => {
        calls++;
        return (call as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as Store;
  const records = createSessionRecords({ store: counting, sealer, settings, now: Date.now });
  const session = await records.createSession('gus', 'staff', {}, 'none', undefined);
  const before = calls;
  const read = await records.getSession(session.id);
  assert.ok(read);
  await records.touch(read);
  assert.equal(await records.updateVault(session.id, new Map()), undefined);
  assert.equal(calls, before, 'the cached record, and no refresh due');
  await store.close();
});
