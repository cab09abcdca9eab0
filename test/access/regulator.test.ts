// S15: the counting rules of the guessing limits, as tables (pure), then the regulator over a
// memory store: one person's failures lock that person at that address and never the address;
// many distinct users failing from one address lock it; the user is locked everywhere past
// user_failures; attempts reserved at once never exceed a limit; a pass forgets failures;
// users being checked at once from one address never lock it, they are only put off a moment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressBusy,
  createRegulator,
  type Lock,
  type LockoutSettings,
  limitsExceeded,
  limitsReached,
  lockName,
  type Reservation,
  secondsLeft,
  type Tally,
  triesLeft,
} from '../../src/access/regulator.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const SETTINGS: LockoutSettings = {
  failures: 3,
  user_failures: 5,
  address_users: 4,
  window: 600_000,
  duration: 900_000,
};

test('limitsReached, limitsExceeded and triesLeft: table', () => {
  const rows: Array<[Tally, string[], string[], number]> = [
    // tally                                  reached                    exceeded       tries left
    [{ pair: 1, user: 1, addressUsers: 1 }, [], [], 2],
    [{ pair: 2, user: 4, addressUsers: 1 }, [], [], 1],
    [{ pair: 3, user: 3, addressUsers: 1 }, ['pair'], [], 0],
    [{ pair: 4, user: 4, addressUsers: 1 }, ['pair'], ['pair'], 0],
    [{ pair: 1, user: 5, addressUsers: 1 }, ['user'], [], 0],
    [{ pair: 2, user: 6, addressUsers: 1 }, ['user'], ['user'], 0],
    [{ pair: 1, user: 1, addressUsers: 4 }, ['address'], [], 2],
    // The address is never exceeded by a reservation: only failures lock it.
    [{ pair: 1, user: 1, addressUsers: 5 }, ['address'], [], 2],
    [{ pair: 3, user: 5, addressUsers: 4 }, ['pair', 'user', 'address'], [], 0],
  ];
  for (const [tally, reached, exceeded, left] of rows) {
    const row = JSON.stringify(tally);
    assert.deepEqual(limitsReached(tally, SETTINGS), reached, `reached ${row}`);
    assert.deepEqual(limitsExceeded(tally, SETTINGS), exceeded, `exceeded ${row}`);
    assert.equal(triesLeft(tally, SETTINGS), left, `tries left ${row}`);
  }
  assert.equal(addressBusy(SETTINGS.address_users, SETTINGS), false, 'the bound itself is let through');
  assert.equal(addressBusy(SETTINGS.address_users + 1, SETTINGS), true);
});

test('lockName and secondsLeft', () => {
  assert.equal(lockName({ scope: 'pair', user: 'bob', address: '192.0.2.1', until: 0 }), 'pair:bob@192.0.2.1');
  assert.equal(lockName({ scope: 'user', user: 'bob', until: 0 }), 'user:bob');
  assert.equal(lockName({ scope: 'address', address: '2001:db8::1', until: 0 }), 'address:2001:db8::1');
  const locks = [
    { scope: 'user' as const, user: 'bob', until: 61_000 },
    { scope: 'address' as const, address: '192.0.2.1', until: 900_500 },
  ];
  assert.equal(secondsLeft(locks, 1_000), 900, 'until the last lock ends, rounded up');
  assert.equal(secondsLeft([], 1_000), 1);
});

function regulator() {
  let now = 1_000_000;
  const store = createMemoryStore({ now: () => now });
  return {
    store,
    limits: createRegulator(
      store,
      'test',
      () => SETTINGS,
      () => now,
    ),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The locks a refused reservation names (none when it was not refused by a lock). */
const locksOf = (reserved: Reservation): Lock[] => (!reserved.ok && 'locks' in reserved ? reserved.locks : []);

async function fail(limits: ReturnType<typeof regulator>['limits'], user: string, address: string) {
  const reserved = await limits.reserve(user, address);
  assert.ok(reserved.ok, `${user}@${address} was refused`);
  return reserved.attempt.failed();
}

test("an office behind one NAT: one person's typos lock that person there, not colleagues", async () => {
  const { limits } = regulator();
  const office = '203.0.113.10';
  assert.equal((await fail(limits, 'bob', office)).triesLeft, 2);
  assert.equal((await fail(limits, 'bob', office)).triesLeft, 1);
  const third = await fail(limits, 'bob', office);
  assert.deepEqual(third.started.map(lockName), ['pair:bob@203.0.113.10']);
  assert.equal(third.triesLeft, 0);
  const refused = await limits.reserve('bob', office);
  assert.equal(refused.ok, false);
  // Colleagues at the office, and bob at home, are not locked.
  assert.ok((await limits.reserve('carol', office)).ok);
  assert.ok((await limits.reserve('bob', '198.51.100.20')).ok);
});

test('failures of one user from many addresses lock the user everywhere', async () => {
  const { limits } = regulator();
  for (let i = 1; i <= 4; i++) assert.deepEqual((await fail(limits, 'alice', `192.0.2.${i}`)).started, []);
  assert.deepEqual((await fail(limits, 'alice', '192.0.2.5')).started.map(lockName), ['user:alice']);
  const elsewhere = await limits.reserve('alice', '198.51.100.1');
  assert.equal(elsewhere.ok, false);
  assert.deepEqual(locksOf(elsewhere).map(lockName), ['user:alice']);
});

test('many distinct users failing from one address lock the address for everyone', async () => {
  const { limits } = regulator();
  const address = '198.51.100.66';
  for (const user of ['u1', 'u2', 'u3']) assert.deepEqual((await fail(limits, user, address)).started, []);
  // A user failing twice is one user.
  assert.deepEqual((await fail(limits, 'u3', address)).started, []);
  assert.deepEqual((await fail(limits, 'u4', address)).started.map(lockName), ['address:198.51.100.66']);
  const anyone = await limits.reserve('alice', address);
  assert.deepEqual(locksOf(anyone).map(lockName), ['address:198.51.100.66']);
  assert.ok((await limits.reserve('alice', '198.51.100.67')).ok, 'another address is not locked');
});

test('attempts reserved at once: at most the limit are let through to a check', async () => {
  const { limits } = regulator();
  const reservations = await Promise.all(Array.from({ length: 20 }, () => limits.reserve('eve', '192.0.2.99')));
  assert.equal(reservations.filter((r) => r.ok).length, SETTINGS.failures);
});

test('colleagues checked at once from one address, all passing, never lock it: past the bound they wait a moment', async () => {
  const { limits } = regulator();
  const office = '203.0.113.20';
  const users = Array.from({ length: SETTINGS.address_users + 2 }, (_, i) => `colleague${i}`);
  const reservations = await Promise.all(users.map((user) => limits.reserve(user, office)));
  const checked = reservations.filter((r) => r.ok);
  assert.ok(checked.length <= SETTINGS.address_users, 'at most address_users distinct users checked at once');
  for (const refused of reservations.filter((r) => !r.ok)) {
    assert.ok('busy' in refused, `refused by a lock: ${locksOf(refused).map(lockName)}`);
  }
  for (const reserved of checked) await reserved.attempt.passed();
  assert.equal(await limits.addressLock(office), undefined, 'the office is not locked');
  // Those put off try again, and someone new after them is checked.
  for (const user of [...users, 'latecomer']) {
    const again = await limits.reserve(user, office);
    assert.ok(again.ok, `${user}: ${JSON.stringify(again)}`);
    await again.attempt.passed();
  }
});

test('one failure while colleagues are being checked does not lock the address', async () => {
  const { limits } = regulator();
  const office = '203.0.113.21';
  const inFlight = [];
  for (let i = 0; i < SETTINGS.address_users - 1; i++) {
    const reserved = await limits.reserve(`colleague${i}`, office);
    assert.ok(reserved.ok);
    inFlight.push(reserved.attempt);
  }
  assert.deepEqual((await fail(limits, 'typist', office)).started, []);
  assert.equal(await limits.addressLock(office), undefined);
  for (const attempt of inFlight) await attempt.passed();
  assert.ok((await limits.reserve('typist', office)).ok, 'the typist may try again');
});

test('a user put off as busy has nothing counted', async () => {
  const { limits } = regulator();
  const address = '203.0.113.22';
  for (let i = 0; i < SETTINGS.address_users; i++) assert.ok((await limits.reserve(`u${i}`, address)).ok);
  for (let i = 0; i < SETTINGS.failures + 2; i++) assert.ok('busy' in (await limits.reserve('waiting', address)));
  assert.deepEqual(await limits.locksOf('waiting'), []);
  assert.equal(await limits.addressLock(address), undefined);
  await limits.unlockAddress(address);
  assert.equal((await fail(limits, 'waiting', address)).triesLeft, SETTINGS.failures - 1, 'no failure was counted');
});

test('an attempt whose check threw gives back its place at the address, keeps its counts and marks no failure', async () => {
  const { limits } = regulator();
  const address = '203.0.113.23';
  // Three users failed from the address: one more failed user would lock it.
  for (let i = 0; i < SETTINGS.address_users - 1; i++) await fail(limits, `f${i}`, address);
  const thrown = await limits.reserve('thrower', address);
  assert.ok(thrown.ok);
  await thrown.attempt.abandoned();
  await thrown.attempt.abandoned();
  // Its place is free: a newcomer is checked, not put off as busy.
  const newcomer = await limits.reserve('newcomer', address);
  assert.ok(newcomer.ok, `newcomer: ${JSON.stringify(newcomer)}`);
  await newcomer.attempt.passed();
  // No failure of the thrower's at the address: a failed user failing again starts no lock.
  assert.deepEqual((await fail(limits, 'f0', address)).started, []);
  assert.equal(await limits.addressLock(address), undefined);
  // Its counts stay: a check made to throw buys no free guess.
  assert.equal((await fail(limits, 'thrower', address)).triesLeft, SETTINGS.failures - 2);
});

test('abandoned after a verdict does nothing: a failed attempt keeps its place', async () => {
  const { limits } = regulator();
  const address = '203.0.113.24';
  for (let i = 0; i < SETTINGS.address_users - 1; i++) assert.ok((await limits.reserve(`u${i}`, address)).ok);
  const failing = await limits.reserve('typist', address);
  assert.ok(failing.ok);
  await failing.attempt.failed();
  await failing.attempt.abandoned();
  assert.ok('busy' in (await limits.reserve('next', address)), 'the failed user still holds a place');
});

test('attempts refused past a limit hold no place at the address', async () => {
  const { limits } = regulator();
  const address = '203.0.113.25';
  const reservations = await Promise.all(Array.from({ length: 10 }, () => limits.reserve('eve', address)));
  const checked = reservations.flatMap((r) => (r.ok ? [r.attempt] : []));
  assert.equal(checked.length, SETTINGS.failures);
  for (const attempt of checked) await attempt.abandoned();
  // Nothing of eve's is being checked or failed there: every place is free for others.
  for (let i = 0; i < SETTINGS.address_users; i++) {
    const reserved = await limits.reserve(`u${i}`, address);
    assert.ok(reserved.ok, `u${i}: ${JSON.stringify(reserved)}`);
  }
});

/**
 * A gateway over the shared store whose store calls wait until the test lets them run, one at a
 * time: the test decides how gateways' calls interleave.
 */
function gatedGateway(store: Store) {
  const held: Array<{ name: string; key: unknown; run: () => Promise<void> }> = [];
  let arrived: (() => void) | undefined;
  const gated = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          held.push({ name: String(name), key: args[0], run: () => value.apply(target, args).then(resolve, reject) });
          arrived?.();
        });
    },
  });
  const next = async () => {
    while (held.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    const call = held.shift() as (typeof held)[number];
    await call.run();
    await new Promise((resolve) => setImmediate(resolve));
    return call;
  };
  return {
    limits: createRegulator(
      gated,
      'test',
      () => SETTINGS,
      () => 1_000_000,
    ),
    /** Lets calls run until one of `name` on the address's users has run. */
    async through(name: string) {
      for (;;) {
        const call = await next();
        if (call.name === name && String(call.key).startsWith('fails:test:address:')) return;
      }
    },
    /** Lets calls run until `reservation` has its answer. */
    async until(reservation: Promise<Reservation>) {
      let done = false;
      void reservation.then(() => (done = true));
      await new Promise((resolve) => setImmediate(resolve));
      while (!done) await next();
      return reservation;
    },
  };
}

test('twin attempts of one user never let a further user past the address bound', async () => {
  // The review's interleaving, on three gateways sharing a store: twin B of user "twin" looks
  // first, twin A is checked, "extra" joins, B is put off as busy, then "extra" reads the users.
  // With one entry per user, B took back the entry A was being checked under, and "extra" got
  // the slot: address_users + 1 distinct users checked at once.
  const store = createMemoryStore({ now: () => 1_000_000 });
  const direct = createRegulator(
    store,
    'test',
    () => SETTINGS,
    () => 1_000_000,
  );
  const address = '192.0.2.50';
  const admitted = new Set<string>();
  for (let i = 1; i < SETTINGS.address_users; i++) {
    assert.ok((await direct.reserve(`u${i}`, address)).ok);
    admitted.add(`u${i}`);
  }
  const [a, b, x] = [gatedGateway(store), gatedGateway(store), gatedGateway(store)];
  const twinB = b.limits.reserve('twin', address);
  const twinA = a.limits.reserve('twin', address);
  const extra = x.limits.reserve('extra', address);
  await b.through('members');
  if ((await a.until(twinA)).ok) admitted.add('twin');
  await x.through('addToSet');
  await b.until(twinB);
  if ((await x.until(extra)).ok) admitted.add('extra');
  assert.ok(admitted.size <= SETTINGS.address_users, `${[...admitted].join(', ')} checked at once`);
});

test('a passed check forgets the failures; locks end after their duration', async () => {
  const { limits, advance } = regulator();
  await fail(limits, 'dave', '192.0.2.7');
  await fail(limits, 'dave', '192.0.2.7');
  const reserved = await limits.reserve('dave', '192.0.2.7');
  assert.ok(reserved.ok);
  await reserved.attempt.passed();
  assert.equal((await fail(limits, 'dave', '192.0.2.7')).triesLeft, 2, 'counting starts again');

  await fail(limits, 'dave', '192.0.2.7');
  await fail(limits, 'dave', '192.0.2.7');
  assert.equal((await limits.locksOf('dave')).length, 1);
  advance(SETTINGS.duration);
  assert.deepEqual(await limits.locksOf('dave'), []);
  assert.deepEqual(await limits.locked('dave', '192.0.2.7'), []);
});

test('unlockUser lifts the user lock and every pair lock; unlockAddress the address', async () => {
  const { limits } = regulator();
  for (let i = 0; i < 3; i++) await fail(limits, 'frank', '192.0.2.1');
  for (let i = 0; i < 2; i++) await fail(limits, 'frank', '192.0.2.2');
  assert.deepEqual((await limits.locksOf('frank')).map(lockName).sort(), ['pair:frank@192.0.2.1', 'user:frank']);
  assert.deepEqual((await limits.unlockUser('frank')).map(lockName).sort(), ['pair:frank@192.0.2.1', 'user:frank']);
  assert.deepEqual(await limits.locksOf('frank'), []);
  assert.equal((await fail(limits, 'frank', '192.0.2.1')).triesLeft, 2, 'failures forgotten');

  for (const user of ['a', 'b', 'c', 'd']) await fail(limits, user, '192.0.2.50');
  assert.equal((await limits.addressLock('192.0.2.50'))?.scope, 'address');
  assert.equal((await limits.unlockAddress('192.0.2.50'))?.address, '192.0.2.50');
  assert.equal(await limits.unlockAddress('192.0.2.50'), undefined);
  assert.ok((await limits.reserve('e', '192.0.2.50')).ok);
});
