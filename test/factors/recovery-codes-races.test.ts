// Recovery codes belong to the two-factor kind (issue 15): issued with its first factor, kept
// while TOTP or a passkey remains, removed with the last. Two gateways over one real Redis (two
// clients) change one user's TOTP and passkeys at the same moment; gateway A's read (or the
// answer of its first write) is held while gateway B acts, then A goes on. Before, A's change
// did not check, in its own write, what B had just done to the other factor: a first passkey
// and a first TOTP each wrote fresh codes (the ones shown first no longer worked), and the last
// passkey and TOTP leaving at once each left the codes to the other (codes with no factor).

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { generateSync } from 'otplib';
import { createSealer } from '../../src/crypto/sealing.js';
import { createPasskeyFactor, type PasskeyFactor } from '../../src/factors/passkey/passkey-factor.js';
import { createRecoveryCodes, type RecoveryCodes } from '../../src/factors/recovery-codes.js';
import { createTotpFactor, type TotpFactor } from '../../src/factors/totp/totp-factor.js';
import { passkeyListKey, totpSecretKey, userKey } from '../../src/factors/user-keys.js';
import { recoveryCodesPage } from '../../src/portal/forms.js';
import { createRedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { type HeldRead, holdingStore, withReadHeld } from '../helpers/held-store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { createSoftAuthenticator } from '../helpers/soft-authenticator.js';

const ORIGIN = 'http://localhost:8443';
const STEP_MS = 30_000;
const RECOVERY_KEY = randomBytes(32);
const SEALING_KEY = randomBytes(32);

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.stop());

interface Gateway {
  totp: TotpFactor;
  passkeys: PasskeyFactor;
  recovery: RecoveryCodes;
}

interface Gateways {
  /** Gateway A, whose reads and writes can be held. */
  a: Gateway;
  b: Gateway;
  /** Holds A's next `get`, `members` or `writeAll` of one of alice's keys. */
  hold: (read: 'get' | 'members' | 'writeAll', key: string) => HeldRead;
  /** Starts a TOTP enrollment of alice's on `gateway`; resolves with a function giving its next code. */
  beginTotp: (gateway: Gateway, enrollment: string) => Promise<() => string>;
  /** A first passkey's registration of alice's on `gateway` (with codes), ready to answer. */
  passkey: (gateway: Gateway, boundTo: string) => Promise<() => ReturnType<PasskeyFactor['register']>>;
}

/** Gateway A and gateway B, on two clients of one Redis, sharing their keys and a clock. */
async function twoGateways(run: (gateways: Gateways) => Promise<void>): Promise<void> {
  const prefix = `codes-races:${randomUUID()}:`;
  const stores = [0, 1].map(() => createRedisStore({ url: redis.url, prefix, commandTimeoutMs: 10_000 }));
  const [first, second] = stores as [Store, Store];
  const held = holdingStore(first);
  const clock = { ms: 60_000_000 * STEP_MS + 10_000 };
  const now = () => clock.ms;
  const gateway = (store: Store): Gateway => {
    const recovery = createRecoveryCodes({ store, key: RECOVERY_KEY });
    const sealer = createSealer([SEALING_KEY]);
    const relyingParty = { id: 'localhost', origin: ORIGIN, name: 'Invoices' };
    return {
      recovery,
      totp: createTotpFactor({ store, sealer, recovery, issuer: 'Invoices', now }),
      passkeys: createPasskeyFactor({ store, recovery, relyingParty: () => relyingParty, now }),
    };
  };
  const authenticator = createSoftAuthenticator(ORIGIN);
  try {
    await run({
      a: gateway(held.store),
      b: gateway(second),
      hold: (read, key) => held.holdNextRead(read, key),
      async beginTotp({ totp }, enrollment) {
        const { secret } = await totp.beginEnrollment('alice', enrollment);
        return () => {
          // Each code from the next time step: the replay guard refuses a step used before.
          clock.ms += STEP_MS;
          return generateSync({ secret, epoch: Math.floor(clock.ms / 1000) });
        };
      },
      async passkey({ passkeys }, boundTo) {
        const options = await passkeys.registrationOptions('alice', boundTo);
        assert.ok(options);
        const response = authenticator.register(options);
        return () => passkeys.register('alice', { boundTo, response }, 'Laptop', { codes: true });
      },
    });
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

/** Every code shown still works (each spent once here), and no other code is left. */
async function assertCodesStillValid(recovery: RecoveryCodes, shown: readonly string[] | undefined): Promise<void> {
  assert.equal(shown?.length, 10, 'ten codes were shown');
  assert.equal(await recovery.remaining('alice'), 10);
  for (const code of shown ?? []) assert.equal(await recovery.consume('alice', code), true, `${code} still works`);
  assert.equal(await recovery.remaining('alice'), 0);
}

test('a first passkey registered while another gateway enrolls the first TOTP: the codes TOTP showed stay valid', async () => {
  await twoGateways(async ({ a, b, hold, beginTotp, passkey }) => {
    const answer = await passkey(a, 'session-a');
    const code = await beginTotp(b, 'session-b');
    let shown: readonly string[] | undefined;
    const registered = await withReadHeld(
      () => hold('members', passkeyListKey('alice')),
      answer,
      async () => {
        const confirmed = await b.totp.confirmEnrollment('alice', 'session-b', code());
        assert.ok(confirmed.ok);
        shown = confirmed.codes;
      },
    );
    assert.equal(registered.ok, true);
    assert.deepEqual(registered.codes, [], 'the passkey shows no codes it did not store');
    assert.equal(await b.passkeys.isEnrolled('alice'), true);
    assert.equal(await b.totp.isEnrolled('alice'), true);
    await assertCodesStillValid(b.recovery, shown);
  });
});

test('a first TOTP enrolled while another gateway registers the first passkey: the codes the passkey showed stay valid', async () => {
  await twoGateways(async ({ a, b, hold, beginTotp, passkey }) => {
    const code = await beginTotp(a, 'session-a');
    const answer = await passkey(b, 'session-b');
    let shown: readonly string[] | undefined;
    const confirmed = await withReadHeld(
      () => hold('get', `${userKey('totp:pending', 'alice')}:session-a`),
      () => a.totp.confirmEnrollment('alice', 'session-a', code()),
      async () => {
        const registered = await answer();
        assert.equal(registered.ok, true);
        shown = registered.codes;
      },
    );
    assert.deepEqual(confirmed, { ok: true, codes: [] }, 'TOTP shows no codes it did not store');
    assert.equal(await b.passkeys.isEnrolled('alice'), true);
    assert.equal(await b.totp.isEnrolled('alice'), true);
    await assertCodesStillValid(b.recovery, shown);
  });
});

/** Alice with TOTP (and its codes) and one passkey; resolves with the passkey's id and the next TOTP code. */
async function totpAndPasskey({ b, beginTotp, passkey }: Gateways): Promise<{ id: string; code: () => string }> {
  const code = await beginTotp(b, 'enroll');
  const enrolled = await b.totp.confirmEnrollment('alice', 'enroll', code());
  assert.ok(enrolled.ok);
  assert.equal(enrolled.codes.length, 10);
  const registered = await (await passkey(b, 'session-b'))();
  assert.ok(registered.ok && registered.id);
  assert.deepEqual(registered.codes, [], "TOTP's codes stay");
  assert.equal(await b.recovery.remaining('alice'), 10);
  return { id: registered.id, code };
}

test('TOTP turned off while another gateway removes the last passkey: no codes are left without a factor', async () => {
  await twoGateways(async (gateways) => {
    const { a, b, hold } = gateways;
    const { id, code } = await totpAndPasskey(gateways);
    // A's first try (codes with it, while no passkey) is refused; B removes the passkey before A's second.
    const disabled = await withReadHeld(
      () => hold('writeAll', totpSecretKey('alice')),
      () => a.totp.disable('alice', code()),
      async () => assert.equal(await b.passkeys.removeOne('alice', id), true),
    );
    assert.equal(disabled.ok, true);
    assert.equal(await b.totp.isEnrolled('alice'), false);
    assert.equal(await b.passkeys.isEnrolled('alice'), false);
    assert.equal(await b.recovery.remaining('alice'), 0, 'the last factor of the kind took the codes');
  });
});

test('the last passkey removed while another gateway turns TOTP off: no codes are left without a factor', async () => {
  await twoGateways(async (gateways) => {
    const { a, b, hold } = gateways;
    const { id, code } = await totpAndPasskey(gateways);
    // A's first try (codes with it, while no TOTP) is refused; B turns TOTP off before A's second.
    const removed = await withReadHeld(
      () => hold('writeAll', passkeyListKey('alice')),
      () => a.passkeys.removeOne('alice', id),
      async () => assert.equal((await b.totp.disable('alice', code())).ok, true),
    );
    assert.equal(removed, true);
    assert.equal(await b.totp.isEnrolled('alice'), false);
    assert.equal(await b.passkeys.isEnrolled('alice'), false);
    assert.equal(await b.recovery.remaining('alice'), 0, 'the last factor of the kind took the codes');
  });
});

test('the page after a factor that issued no codes shows none and says the earlier ones stay', () => {
  const page = recoveryCodesPage([], '/next');
  assert.doesNotMatch(page, /id="recovery-codes"|Save these recovery codes/);
  assert.match(page, /id="recovery-codes-kept"/);
  assert.match(page, /href="\/next"/);
  const shown = recoveryCodesPage(['ABCDE-FGHIJ'], '/next');
  assert.match(shown, /<li>ABCDE-FGHIJ<\/li>/);
  assert.doesNotMatch(shown, /recovery-codes-kept/);
});
