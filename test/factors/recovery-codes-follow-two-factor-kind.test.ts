// Issue 15: recovery codes belong to the two-factor kind, not to TOTP. Turning TOTP off keeps
// them while a passkey remains; removing the last passkey keeps them while TOTP remains; the
// last factor of the kind takes them, in the same atomic write as its own records.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateSync } from 'otplib';
import { createSealer } from '../../src/crypto/sealing.js';
import { createPasskeyFactor, type PasskeyFactor } from '../../src/factors/passkey/passkey-factor.js';
import { createRecoveryCodes, type RecoveryCodes } from '../../src/factors/recovery-codes.js';
import { createTotpFactor, type TotpFactor } from '../../src/factors/totp/totp-factor.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { createSoftAuthenticator } from '../helpers/soft-authenticator.js';

const ORIGIN = 'http://localhost:8443';
const STEP_MS = 30_000;

/** What a change wrote: each mutating store call by name, and the writeAll calls that applied. */
interface Writes {
  calls: string[];
  applied: number;
}

interface Setup {
  store: Store;
  totp: TotpFactor;
  passkeys: PasskeyFactor;
  recovery: RecoveryCodes;
  /** Enrolls TOTP for alice (with ten fresh codes); returns a function giving the next code. */
  enrollTotp(): Promise<() => string>;
  /** Registers a passkey for alice through a software authenticator (with codes: as a first factor's page does); returns its id. */
  addPasskey(options?: { codes: boolean }): Promise<string>;
  /** Runs `change` and returns what it wrote to the store. */
  writesOf(change: () => Promise<unknown>): Promise<Writes>;
}

function setup(): Setup {
  const clock = { ms: 60_000_000 * STEP_MS + 10_000 };
  const now = () => clock.ms;
  const memory = createMemoryStore({ now });
  let recording: Writes | undefined;
  // Every mutating call is recorded; reads pass through.
  const store: Store = new Proxy(memory, {
    get(target, name: keyof Store) {
      const method = target[name];
      if (typeof method !== 'function' || ['get', 'members', 'listItems', 'ping'].includes(name)) return method;
      return async (...args: unknown[]) => {
        const result = await (method as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        recording?.calls.push(name);
        if (recording && name === 'writeAll' && result === true) recording.applied += 1;
        return result;
      };
    },
  });
  const recovery = createRecoveryCodes({ store, key: randomBytes(32) });
  const totp = createTotpFactor({ store, sealer: createSealer([randomBytes(32)]), recovery, issuer: 'Invoices', now });
  const relyingParty = { id: 'localhost', origin: ORIGIN, name: 'Invoices' };
  const passkeys = createPasskeyFactor({ store, recovery, relyingParty: () => relyingParty, now });
  const authenticator = createSoftAuthenticator(ORIGIN);
  let pages = 0;
  return {
    store,
    totp,
    passkeys,
    recovery,
    async enrollTotp() {
      const { secret } = await totp.beginEnrollment('alice', 'enrollment');
      const code = () => generateSync({ secret, epoch: Math.floor(clock.ms / 1000) });
      assert.ok((await totp.confirmEnrollment('alice', 'enrollment', code())).ok);
      return () => {
        clock.ms += STEP_MS;
        return code();
      };
    },
    async addPasskey(registration) {
      pages += 1;
      const page = `session-${pages}`;
      const options = await passkeys.registrationOptions('alice', page);
      assert.ok(options);
      const outcome = await passkeys.register(
        'alice',
        { boundTo: page, response: authenticator.register(options) },
        '',
        registration,
      );
      assert.ok(outcome.ok && outcome.id, JSON.stringify(outcome));
      return outcome.id;
    },
    async writesOf(change) {
      recording = { calls: [], applied: 0 };
      await change();
      const done = recording;
      recording = undefined;
      return done;
    },
  };
}

/** A change made of atomic writes only, exactly one of which applied. */
function assertOneAtomicWrite(writes: Writes): void {
  assert.ok(
    writes.calls.every((call) => call === 'writeAll' || call === 'setIfGreater'),
    `only atomic writes (and the TOTP replay guard): ${writes.calls.join(', ')}`,
  );
  assert.equal(writes.applied, 1);
}

test('TOTP off while a passkey remains keeps the recovery codes; the last passkey removed then takes them', async () => {
  const s = setup();
  const nextCode = await s.enrollTotp();
  const passkey = await s.addPasskey();
  assert.equal(await s.recovery.remaining('alice'), 10);

  const off = await s.writesOf(async () => assert.ok((await s.totp.disable('alice', nextCode())).ok));
  assertOneAtomicWrite(off);
  assert.equal(await s.totp.isEnrolled('alice'), false);
  assert.equal(await s.recovery.remaining('alice'), 10, 'the passkey keeps the codes of its kind');

  const removed = await s.writesOf(async () => assert.equal(await s.passkeys.removeOne('alice', passkey), true));
  assertOneAtomicWrite(removed);
  assert.equal(await s.passkeys.isEnrolled('alice'), false);
  assert.equal(await s.recovery.remaining('alice'), 0, 'the last factor of the kind took the codes');
});

test('the last passkey removed while TOTP remains keeps the recovery codes; TOTP off then takes them', async () => {
  const s = setup();
  const nextCode = await s.enrollTotp();
  const first = await s.addPasskey();
  const second = await s.addPasskey();

  assertOneAtomicWrite(await s.writesOf(() => s.passkeys.removeOne('alice', first)));
  assert.equal(await s.recovery.remaining('alice'), 10);
  assertOneAtomicWrite(await s.writesOf(() => s.passkeys.removeOne('alice', second)));
  assert.equal(await s.passkeys.isEnrolled('alice'), false);
  assert.equal(await s.recovery.remaining('alice'), 10, 'TOTP keeps the codes of its kind');
  assert.equal(await s.passkeys.removeOne('alice', second), false, 'a passkey removed is removed once');

  assertOneAtomicWrite(await s.writesOf(async () => assert.ok((await s.totp.disable('alice', nextCode())).ok)));
  assert.equal(await s.recovery.remaining('alice'), 0, 'the last factor of the kind took the codes');
});

test('passkeys alone: removing one leaves the codes to the other, removing the last takes them', async () => {
  const s = setup();
  // As the first passkey's page does: the codes come with the first factor of the kind.
  const first = await s.addPasskey({ codes: true });
  const second = await s.addPasskey();
  assert.equal(await s.recovery.remaining('alice'), 10);

  assertOneAtomicWrite(await s.writesOf(() => s.passkeys.removeOne('alice', first)));
  assert.deepEqual(
    (await s.passkeys.list('alice')).map(({ id }) => id),
    [second],
  );
  assert.equal(await s.recovery.remaining('alice'), 10);
  assertOneAtomicWrite(await s.writesOf(() => s.passkeys.removeOne('alice', second)));
  assert.equal(await s.passkeys.isEnrolled('alice'), false);
  assert.equal(await s.recovery.remaining('alice'), 0);
});
