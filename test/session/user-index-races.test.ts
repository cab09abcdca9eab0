// Two gateways log one user in at once while that user is at the session cap (issue 13), on
// every backend: memory (two record sets on one store), LMDB (two handles on one file) and a
// real Redis (two clients). Each round the cap holds, the oldest sessions are the ones ended,
// and both new ones live.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSealer, type Sealer } from '../../src/crypto/sealing.js';
import { createSessionRecords, type SessionRecords } from '../../src/session/records.js';
import type { Store } from '../../src/store/store.js';
import { sharedBackends } from '../helpers/shared-stores.js';

const CAP = 5;
/** One sealing key for every gateway of the test, as a deployment's gateways share theirs. */
const sealer: Sealer = createSealer([randomBytes(32)]);
const ROUNDS = 6;

/** Two gateways' records on two handles of one store, sharing a clock that the test moves. */
function twoGateways(stores: readonly [Store, Store]) {
  let time = Date.now();
  // The second gateway's clock is 1 ms ahead, so that of two logins at once its own is the newer
  // (of equal times, which one is older is the store's choice).
  const gateway = (store: Store, ahead: number): SessionRecords =>
    createSessionRecords({
      store,
      sealer,
      settings: () => ({ idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, pendingMs: 300_000, maxPerUser: CAP }),
      now: () => time + ahead,
    });
  return { gateways: [gateway(stores[0], 0), gateway(stores[1], 1)] as const, advance: () => (time += 1000) };
}

async function assertTwoLoginsAtTheCap(stores: readonly [Store, Store]): Promise<void> {
  const { gateways, advance } = twoGateways(stores);
  const [a, b] = gateways;
  let live: string[] = [];
  for (let i = 0; i < CAP; i++) {
    live.push((await a.createSession('hana', 'admin', {}, 'totp', undefined)).id);
    advance();
  }
  for (let round = 0; round < ROUNDS; round++) {
    const both = await Promise.all([
      a.createSession('hana', 'admin', {}, 'totp', undefined),
      b.createSession('hana', 'admin', {}, 'totp', undefined),
    ]);
    advance();
    // A third record set reads the store afresh (the others cache what they wrote for 2 s).
    const listed = (await twoGateways(stores).gateways[0].listSessions('hana')).map((session) => session.id);
    const expected = [...live.slice(2), ...both.map((session) => session.id)];
    assert.deepEqual(listed.sort(), [...expected].sort(), `round ${round}: the cap holds and the 2 oldest ended`);
    live = [...live.slice(2), ...both.map((session) => session.id)];
  }
}

for (const { name, open } of sharedBackends('user-index-races')) {
  test(`${name}: two logins at the cap at once keep the cap and end the oldest`, async () => {
    const { stores, close } = await open();
    try {
      await assertTwoLoginsAtTheCap(stores);
    } finally {
      await close();
    }
  });
}
