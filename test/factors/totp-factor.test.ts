// TOTP as a second factor: enrollment, verification without replay (also across gateways
// sharing a store), disable only with a current code, secrets sealed at rest.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateSync } from 'otplib';
import { createSealer, type Sealer } from '../../src/crypto/sealing.js';
import type { FailureReason } from '../../src/factors/factor.js';
import { createRecoveryCodes, type RecoveryCodes } from '../../src/factors/recovery-codes.js';
import {
  type ConfirmOutcome,
  createTotpFactor,
  type TotpFactor,
  TotpSecretUnreadableError,
} from '../../src/factors/totp/totp-factor.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const STEP_MS = 30_000;
const START_STEP = 60_000_000; // early 2027
/** The pending login or session an enrollment page is shown to. */
const ENROLLMENT = 'pending-login-1';

interface Setup {
  factor: TotpFactor;
  store: Store;
  sealer: Sealer;
  recovery: RecoveryCodes;
  clock: { ms: number };
  /** The code the user's phone shows now, `offset` steps away. */
  code(secret: string, offset?: number): string;
  /** Moves the clock by whole steps. */
  advance(steps: number): void;
}

function setup(): Setup {
  // Mid-step, so that one step either way stays inside the same +-1 window.
  const clock = { ms: START_STEP * STEP_MS + 10_000 };
  const now = () => clock.ms;
  const store = createMemoryStore({ now });
  const sealer = createSealer([randomBytes(32)]);
  const recovery = createRecoveryCodes({ store, key: randomBytes(32) });
  return {
    factor: createTotpFactor({ store, sealer, recovery, issuer: 'Invoices', now }),
    store,
    recovery,
    sealer,
    clock,
    code: (secret, offset = 0) => generateSync({ secret, epoch: Math.floor(clock.ms / 1000) + offset * 30 }),
    advance: (steps) => {
      clock.ms += steps * STEP_MS;
    },
  };
}

/** Asserts a confirmed enrollment: it carries its ten recovery codes. */
function assertConfirmed(outcome: ConfirmOutcome): void {
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.codes.length, 10);
}

/** Enrolls `user` and moves to the next step, so that a fresh code is usable; returns the secret. */
async function enrolled(s: Setup, user = 'alice'): Promise<string> {
  const { secret } = await s.factor.beginEnrollment(user, ENROLLMENT);
  assertConfirmed(await s.factor.confirmEnrollment(user, ENROLLMENT, s.code(secret)));
  s.advance(1);
  return secret;
}

describe('enrollment', () => {
  test('shows the same candidate on every reload and a QR code of its URI', async () => {
    const s = setup();
    const first = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const again = await s.factor.beginEnrollment('alice', ENROLLMENT);
    assert.equal(again.secret, first.secret);
    assert.equal(again.uri, first.uri);
    assert.ok(first.uri.startsWith('otpauth://totp/Invoices:alice?'));
    assert.equal(new URL(first.uri).searchParams.get('secret'), first.secret);
    assert.ok(first.qrSvg.startsWith('<svg'));
  });

  test('concurrent first visits agree on one candidate', async () => {
    const s = setup();
    const views = await Promise.all(Array.from({ length: 5 }, () => s.factor.beginEnrollment('alice', ENROLLMENT)));
    assert.equal(new Set(views.map((view) => view.secret)).size, 1);
  });

  test('the candidate lasts 15 minutes, then a new one is offered', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    s.clock.ms += 15 * 60_000 - 1;
    assert.equal((await s.factor.beginEnrollment('alice', ENROLLMENT)).secret, secret);
    s.clock.ms += 1;
    assert.notEqual((await s.factor.beginEnrollment('alice', ENROLLMENT)).secret, secret);
  });

  test('candidates are per user', async () => {
    const s = setup();
    const alice = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const bob = await s.factor.beginEnrollment('bob', ENROLLMENT);
    assert.notEqual(alice.secret, bob.secret);
  });

  test('candidates are per enrollment: a key shown to another login is never the one enrolled here', async () => {
    const s = setup();
    const seen = await s.factor.beginEnrollment('alice', 'abandoned-login');
    const mine = await s.factor.beginEnrollment('alice', ENROLLMENT);
    assert.notEqual(seen.secret, mine.secret);
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(seen.secret)), {
      ok: false,
      reason: 'wrong',
    });
    assertConfirmed(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(mine.secret)));
    s.advance(1);
    assert.deepEqual(await s.factor.verify('alice', s.code(seen.secret)), { ok: false, reason: 'wrong' });
  });

  test('activates only with a correct code for the candidate', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const other = (await s.factor.beginEnrollment('bob', ENROLLMENT)).secret;
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(other)), {
      ok: false,
      reason: 'wrong',
    });
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(secret, 2)), {
      ok: false,
      reason: 'wrong',
    });
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, 'abcdef'), {
      ok: false,
      reason: 'malformed',
    });
    assert.equal(await s.factor.isEnrolled('alice'), false);
    assertConfirmed(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(secret)));
    assert.equal(await s.factor.isEnrolled('alice'), true);
  });

  test('without a candidate there is nothing to confirm', async () => {
    const s = setup();
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, '123456'), {
      ok: false,
      reason: 'no_candidate',
    });
  });

  test('an expired candidate cannot be confirmed', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    s.clock.ms += 15 * 60_000;
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(secret)), {
      ok: false,
      reason: 'no_candidate',
    });
  });

  test('the confirming code cannot then pass a login', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const code = s.code(secret);
    assertConfirmed(await s.factor.confirmEnrollment('alice', ENROLLMENT, code));
    assert.deepEqual(await s.factor.verify('alice', code), { ok: false, reason: 'replayed' });
  });

  test('refuses a second enrollment over an active one and leaves the active secret alone', async () => {
    const s = setup();
    const secret = await enrolled(s);
    const candidate = (await s.factor.beginEnrollment('alice', ENROLLMENT)).secret;
    assert.notEqual(candidate, secret);
    const codes = await s.store.members('recovery:{u:alice}');
    assert.deepEqual(await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(candidate)), {
      ok: false,
      reason: 'already_enrolled',
    });
    assert.deepEqual(await s.factor.verify('alice', s.code(secret)), { ok: true });
    assert.deepEqual(await s.store.members('recovery:{u:alice}'), codes, 'the active recovery codes stay');
  });

  test('of concurrent confirmations with the same code exactly one activates', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const code = s.code(secret);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => s.factor.confirmEnrollment('alice', ENROLLMENT, code)),
    );
    const winners = outcomes.filter((outcome) => outcome.ok);
    assert.equal(winners.length, 1);
    assert.equal(
      await s.recovery.consume('alice', winners[0]?.codes[0] as string),
      true,
      "the winner's codes are stored",
    );
    assert.equal(await s.recovery.remaining('alice'), 9);
  });
});

describe('the secret at rest (S6)', () => {
  test('is stored only sealed, bound to its user', async () => {
    const s = setup();
    const { secret } = await s.factor.beginEnrollment('alice', ENROLLMENT);
    const pending = await s.store.get(`totp:pending:{u:alice}:${ENROLLMENT}`);
    assert.ok(pending);
    assert.ok(!pending.includes(secret));
    assert.equal(s.sealer.open(pending, 'totp:alice')?.toString(), secret);

    await s.factor.confirmEnrollment('alice', ENROLLMENT, s.code(secret));
    const sealed = await s.store.get('totp:secret:{u:alice}');
    assert.ok(sealed);
    for (const plain of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
      assert.ok(!sealed.includes(plain));
    }
    assert.equal(s.sealer.open(sealed, 'totp:alice')?.toString(), secret);
    assert.equal(s.sealer.open(sealed, 'totp:bob'), undefined);
  });

  test("a record copied to another user's key opens for nobody", async () => {
    const s = setup();
    await enrolled(s, 'alice');
    await s.store.set('totp:secret:{u:mallory}', (await s.store.get('totp:secret:{u:alice}')) as string);
    await assert.rejects(s.factor.verify('mallory', '123456'), TotpSecretUnreadableError);
  });

  test('a secret that cannot be opened is an error, never "not enrolled"', async () => {
    const s = setup();
    await enrolled(s);
    const rekeyed = createTotpFactor({
      store: s.store,
      sealer: createSealer([randomBytes(32)]),
      recovery: s.recovery,
      issuer: 'Invoices',
      now: () => s.clock.ms,
    });
    assert.equal(await rekeyed.isEnrolled('alice'), true);
    await assert.rejects(rekeyed.verify('alice', '123456'), { code: 'GW_TOTP_SECRET_UNREADABLE' });
  });
});

describe('verification', () => {
  test('a code passes once; the same code again is a replay', async () => {
    const s = setup();
    const secret = await enrolled(s);
    const code = s.code(secret);
    assert.deepEqual(await s.factor.verify('alice', code), { ok: true });
    assert.deepEqual(await s.factor.verify('alice', code), { ok: false, reason: 'replayed' });
  });

  test('an older step after a newer one is a replay, though inside the window', async () => {
    const s = setup();
    const secret = await enrolled(s);
    assert.deepEqual(await s.factor.verify('alice', s.code(secret, 1)), { ok: true });
    assert.deepEqual(await s.factor.verify('alice', s.code(secret)), { ok: false, reason: 'replayed' });
    assert.deepEqual(await s.factor.verify('alice', s.code(secret, -1)), { ok: false, reason: 'replayed' });
  });

  test('the next step passes after the clock moves on', async () => {
    const s = setup();
    const secret = await enrolled(s);
    assert.deepEqual(await s.factor.verify('alice', s.code(secret)), { ok: true });
    s.advance(1);
    assert.deepEqual(await s.factor.verify('alice', s.code(secret)), { ok: true });
  });

  test('20 concurrent verifications of one code: exactly one passes', async () => {
    const s = setup();
    const secret = await enrolled(s);
    const code = s.code(secret);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.factor.verify('alice', code)));
    assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1);
    assert.ok(outcomes.every((outcome) => outcome.ok || outcome.reason === 'replayed'));
  });

  test('two gateways sharing a store do not both accept one code', async () => {
    const s = setup();
    const secret = await enrolled(s);
    const peer = createTotpFactor({
      store: s.store,
      sealer: s.sealer,
      recovery: s.recovery,
      issuer: 'Invoices',
      now: () => s.clock.ms,
    });
    const code = s.code(secret);
    const outcomes = await Promise.all([s.factor.verify('alice', code), peer.verify('alice', code)]);
    assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1);
  });

  test('users do not share a replay record', async () => {
    const s = setup();
    const alice = await enrolled(s, 'alice');
    s.advance(-1);
    const bob = await enrolled(s, 'bob');
    assert.deepEqual(await s.factor.verify('alice', s.code(alice)), { ok: true });
    assert.deepEqual(await s.factor.verify('bob', s.code(bob)), { ok: true });
  });
});

describe('outcomes of verify, one row each', () => {
  type Row = [
    name: string,
    code: (secret: string, s: Setup) => string | Promise<string>,
    expected: true | FailureReason,
  ];
  const rows: Row[] = [
    ['the current step', (secret, s) => s.code(secret), true],
    ['the step before (phone slow)', (secret, s) => s.code(secret, -1), true],
    ['the step after (phone fast)', (secret, s) => s.code(secret, 1), true],
    ['typed with a space', (secret, s) => s.code(secret).replace(/^(...)/, '$1 '), true],
    ['two steps before', (secret, s) => s.code(secret, -2), 'wrong'],
    ['two steps after', (secret, s) => s.code(secret, 2), 'wrong'],
    [
      'a code already used',
      async (secret, s) => {
        await s.factor.verify('alice', s.code(secret));
        return s.code(secret);
      },
      'replayed',
    ],
    ['another secret', (_secret, s) => s.code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 'wrong'],
    ['five digits', () => '12345', 'malformed'],
    ['seven digits', () => '1234567', 'malformed'],
    ['letters', () => '12a456', 'malformed'],
    ['fullwidth digits', () => '１２３４５６', 'malformed'],
    ['empty', () => '', 'malformed'],
  ];
  for (const [name, code, expected] of rows) {
    test(name, async () => {
      const s = setup();
      const secret = await enrolled(s);
      // One more step, so that the step before now is not the one the enrollment used.
      s.advance(1);
      const outcome = await s.factor.verify('alice', await code(secret, s));
      assert.deepEqual(outcome, expected === true ? { ok: true } : { ok: false, reason: expected });
    });
  }

  test('a user without TOTP', async () => {
    assert.deepEqual(await setup().factor.verify('nobody', '123456'), { ok: false, reason: 'not_enrolled' });
  });
});

describe('disable and operator reset (S12)', () => {
  test('disable needs a valid current code', async () => {
    const s = setup();
    const secret = await enrolled(s);
    assert.deepEqual(await s.factor.disable('alice', s.code(secret, 2)), { ok: false, reason: 'wrong' });
    assert.deepEqual(await s.factor.disable('alice', ''), { ok: false, reason: 'malformed' });
    assert.equal(await s.factor.isEnrolled('alice'), true);
    assert.deepEqual(await s.factor.disable('alice', s.code(secret)), { ok: true });
    assert.equal(await s.factor.isEnrolled('alice'), false);
    assert.equal(await s.store.get('totp:secret:{u:alice}'), undefined);
    assert.equal(await s.recovery.remaining('alice'), 0, 'the recovery codes go with the secret');
  });

  test('disable refuses a replayed code', async () => {
    const s = setup();
    const secret = await enrolled(s);
    const code = s.code(secret);
    assert.deepEqual(await s.factor.verify('alice', code), { ok: true });
    assert.deepEqual(await s.factor.disable('alice', code), { ok: false, reason: 'replayed' });
    assert.equal(await s.factor.isEnrolled('alice'), true);
  });

  test('after disable the user can enroll again', async () => {
    const s = setup();
    const secret = await enrolled(s);
    await s.factor.disable('alice', s.code(secret));
    s.advance(1);
    const again = await enrolled(s);
    assert.notEqual(again, secret);
  });

  test('an operator reset needs no code and clears the secret, its replay guard and its recovery codes', async () => {
    const s = setup();
    await enrolled(s);
    await s.factor.beginEnrollment('alice', ENROLLMENT);
    assert.equal(await s.recovery.remaining('alice'), 10);
    await s.store.writeAll(await s.factor.removal('alice'));
    assert.equal(await s.factor.isEnrolled('alice'), false);
    for (const key of ['totp:secret:{u:alice}', 'totp:step:{u:alice}']) {
      assert.equal(await s.store.get(key), undefined, key);
    }
    assert.equal(await s.recovery.remaining('alice'), 0);
  });

  test('an issuer with ":" is refused when the factor is built', () => {
    const store = createMemoryStore();
    const sealer = createSealer([randomBytes(32)]);
    const recovery = createRecoveryCodes({ store, key: randomBytes(32) });
    assert.throws(() => createTotpFactor({ store, sealer, recovery, issuer: 'Acme:Invoices', now: Date.now }));
  });
});
