// A browser being trusted while every trust of the user is ended (issue 15), on every backend:
// memory, LMDB (two handles on one file) and a real Redis (two clients). Gateway A issues or
// uses a trust, held by the store between two of its steps, while gateway B ends the user's
// trusted browsers ("revoke all", or an operator's reset in its one write). Before, the ending
// deleted the ids its list read named: a trust issued meanwhile stayed, unlisted, and its cookie
// kept skipping the second step after every trust was revoked or the second step changed. No
// trust issued before an ending completes may be used after it, whatever the interleaving.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTrustedBrowsers, type TrustedBrowsers } from '../../src/factors/trusted-browsers.js';
import { userKey } from '../../src/factors/user-keys.js';
import type { Store } from '../../src/store/store.js';
import { type HeldRead, holdingStore, withReadHeld } from '../helpers/held-store.js';
import { sharedBackends } from '../helpers/shared-stores.js';

const DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const LIST = userKey('trusted:ids', 'alice');
const record = (id: string) => `${userKey('trusted', 'alice')}:${id}`;

interface Gateways {
  /** Gateway A, whose store calls can be held. */
  a: TrustedBrowsers;
  b: TrustedBrowsers;
  /** B's store, for the reset's one write. */
  storeB: Store;
  hold: (read: 'get' | 'members' | 'addToSet', key: string) => HeldRead;
  holdB: (read: 'members', key: string) => HeldRead;
}

/** An operator's reset on gateway B as resetFactors makes it: the removal read, then its one write. */
async function reset({ b, storeB }: Gateways): Promise<void> {
  await storeB.writeAll(await b.removal('alice'));
}

/** A trust written by a gateway before epochs existed: no epoch in the record. */
async function legacyTrust(store: Store, id: string, listed: boolean): Promise<void> {
  const time = Date.now();
  const stored = { user: 'alice', createdAt: time, lastUsedAt: time, agent: 'Firefox on Linux' };
  if (listed) await store.addToSet(LIST, id);
  await store.set(record(id), JSON.stringify(stored), DAYS * DAY_MS);
}

for (const { name, open } of sharedBackends('trusted-races')) {
  describe(`${name}: a trusted browser and the end of every trust of its user`, () => {
    const run = (title: string, body: (gateways: Gateways) => Promise<void>) =>
      test(title, async () => {
        const { stores, close } = await open();
        try {
          const heldA = holdingStore(stores[0]);
          const heldB = holdingStore(stores[1]);
          const gateway = (store: Store) => createTrustedBrowsers({ store, now: () => Date.now() });
          await body({
            a: gateway(heldA.store),
            b: gateway(heldB.store),
            storeB: stores[1],
            hold: (read, key) => heldA.holdNextRead(read, key),
            holdB: (read, key) => heldB.holdNextRead(read, key),
          });
        } finally {
          await close();
        }
      });

    run('a trust issued between its list add and its record while "revoke all" runs is refused after', async (g) => {
      const issued = await withReadHeld(
        () => g.hold('addToSet', LIST),
        () => g.a.issue('alice', 'Firefox on Linux', DAYS),
        () => g.b.revokeAll('alice'),
      );
      assert.equal(await g.b.use(issued.id, 'alice', DAYS), undefined, 'the trust ended with the others');
      assert.equal(await g.a.use(issued.id, 'alice', DAYS), undefined);
      assert.deepEqual(await g.b.list('alice'), []);
      const after = await g.a.issue('alice', 'Firefox on Linux', DAYS);
      assert.equal((await g.b.use(after.id, 'alice', DAYS))?.id, after.id, 'a trust issued after the end holds');
    });

    run('a trust issued whole after "revoke all" read the list is refused after', async (g) => {
      let issued: { id: string } | undefined;
      await withReadHeld(
        () => g.holdB('members', LIST),
        () => g.b.revokeAll('alice'),
        async () => {
          issued = await g.a.issue('alice', 'Firefox on Linux', DAYS);
        },
      );
      assert.ok(issued);
      assert.equal(await g.b.use(issued.id, 'alice', DAYS), undefined);
      assert.deepEqual(await g.b.list('alice'), []);
    });

    run(
      "a trust issued between its list add and its record while a reset's removal is written is refused after",
      async (g) => {
        const issued = await withReadHeld(
          () => g.hold('addToSet', LIST),
          () => g.a.issue('alice', 'Firefox on Linux', DAYS),
          () => reset(g),
        );
        assert.equal(await g.b.use(issued.id, 'alice', DAYS), undefined, 'the reset ended it');
      },
    );

    run("a trust issued whole between a reset's removal read and its write is refused after", async (g) => {
      const writes = await g.b.removal('alice');
      const issued = await g.a.issue('alice', 'Firefox on Linux', DAYS);
      await g.storeB.writeAll(writes);
      assert.equal(await g.b.use(issued.id, 'alice', DAYS), undefined);
    });

    run(
      'a use that read a missed trust before "revoke all" wrote is refused, not granted mid-revocation',
      async (g) => {
        // "Revoke all" reads the list, a trust is issued whole (so the revocation misses it), a use
        // reads it, and the revocation is written before the use records itself.
        const listRead = g.holdB('members', LIST);
        const revoking = g.b.revokeAll('alice');
        await listRead.reached;
        const issued = await g.a.issue('alice', 'Firefox on Linux', DAYS);
        const used = await withReadHeld(
          () => g.hold('get', record(issued.id)),
          () => g.a.use(issued.id, 'alice', DAYS),
          async () => {
            listRead.release();
            await revoking;
          },
        );
        assert.equal(used, undefined, 'granted after the revocation was written');
        assert.equal(await g.a.use(issued.id, 'alice', DAYS), undefined);
      },
    );

    run('a use whose read is held while its browser is revoked neither passes nor restores it', async (g) => {
      const issued = await g.a.issue('alice', 'Firefox on Linux', DAYS);
      const used = await withReadHeld(
        () => g.hold('get', record(issued.id)),
        () => g.a.use(issued.id, 'alice', DAYS),
        () => g.b.revoke('alice', issued.id),
      );
      assert.equal(used, undefined, 'revoked before the use recorded itself');
      assert.equal(await g.b.use(issued.id, 'alice', DAYS), undefined, 'the use did not write the record back');
    });

    run('a trust recorded before epochs holds until every trust is ended, listed or not', async (g) => {
      await legacyTrust(g.storeB, 'listed-legacy', true);
      await legacyTrust(g.storeB, 'unlisted-legacy', false);
      assert.equal((await g.a.use('listed-legacy', 'alice', DAYS))?.agent, 'Firefox on Linux');
      assert.equal((await g.a.use('unlisted-legacy', 'alice', DAYS))?.id, 'unlisted-legacy');
      assert.equal(await g.b.revokeAll('alice'), 1, 'the listed one counted');
      assert.equal(await g.a.use('listed-legacy', 'alice', DAYS), undefined);
      assert.equal(await g.a.use('unlisted-legacy', 'alice', DAYS), undefined, 'an unlisted one ends too');
    });
  });
}
