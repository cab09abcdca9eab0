// Issues 5 and 6, S12: `gateway users reset-factor` is how an operator recovers an admin who
// lost the phone or forgot their security questions: TOTP, security questions (answers and the
// asked pair) and the recovery codes are removed, every session of the user ends on the
// gateway (after at most the 2-second cache), and the next login leads to enrollment, never
// past the second step; passkeys and trusted browsers leave no record behind either (issue 15).
// The command runs as its own process against the gateway's Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { holdTwoFactorRecords, keysNaming, PASSKEYS_ON } from '../helpers/factor-records.js';
import { ADMIN, type LoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, postAnswerSet } from '../helpers/questions.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture(PASSKEYS_ON);
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

test('reset-factor removes TOTP and recovery codes, ends the sessions, and the next login enrolls', async () => {
  const services = harness.gateway.login!;
  const enrolled = await harness.enrollAdmin();
  const second = harness.browser();
  await second.login(ADMIN.user, ADMIN.password);
  assert.equal((await second.stepUp(harness.code(enrolled.secret))).location, '/dashboard');
  for (const browser of [enrolled.browser, second]) assert.equal((await browser.get('/dashboard')).status, 200);
  assert.equal(await services.recovery.remaining('alice'), 10);

  const reset = await runCli(['users', 'reset-factor', 'Alice', '--config', config]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(
    reset.stdout,
    'alice: removed TOTP, 10 recovery codes; ended 2 sessions; the next login enrolls a factor\n',
  );
  assert.deepEqual(
    reset.audit.map(({ event, user, removed, sessions_ended, sessions }) => ({
      event,
      user,
      removed,
      sessions_ended,
      sessions,
    })),
    [
      {
        event: 'enrollment.factor_reset',
        user: 'alice',
        removed: ['TOTP', '10 recovery codes'],
        sessions_ended: 2,
        sessions: undefined,
      },
      { event: 'session.revoked', user: 'alice', removed: undefined, sessions_ended: undefined, sessions: 2 },
    ],
  );
  assert.ok(!reset.stderr.includes(enrolled.secret) && !reset.stdout.includes(enrolled.secret));

  assert.equal(await services.totp.isEnrolled('alice'), false);
  assert.equal(await services.recovery.remaining('alice'), 0);
  // Past the gateway's 2-second record cache, both sessions are gone.
  harness.clock.advance(2_001);
  for (const browser of [enrolled.browser, second]) {
    const answer = await browser.get('/dashboard');
    assert.equal(answer.status, 303);
    assert.match(answer.location ?? '', /^\/login/);
  }
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');

  const again = await runCli(['users', 'reset-factor', 'alice', '--config', config]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^alice: removed nothing \(no factor was enrolled\); ended 0 sessions;/);
});

test('reset-factor removes security questions (answers and the asked pair); show names the factor', async () => {
  const services = harness.gateway.login!;
  const bob = harness.browser();
  assert.equal((await bob.login('bob', 'bob-password')).location, '/dashboard');
  assert.equal((await postAnswerSet(bob, '/_gateway/account/questions')).status, 200);
  assert.equal((await services.questions.asked('bob'))?.length, 2);

  const shown = await runCli(['users', 'show', 'bob', '--config', config]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /TOTP not enrolled, passkeys not enrolled, security questions enrolled/);

  const reset = await runCli(['users', 'reset-factor', 'bob', '--config', config]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(
    reset.stdout,
    /^bob: removed security questions; ended 1 session; the next login needs no second step\n$/,
  );
  assert.deepEqual(reset.audit[0]?.removed, ['security questions']);
  for (const answer of ANSWERS.values()) assert.ok(!reset.stderr.includes(answer) && !reset.stdout.includes(answer));
  assert.equal(await services.questions.isEnrolled('bob'), false);
  assert.equal(await services.questions.asked('bob'), undefined);
  assert.equal(await harness.gateway.login?.store.get('questions:asked:{u:bob}'), undefined, 'the asked pair is gone');
});

test("reset-factor leaves no key of the user's factors in Redis: passkeys and trusted browsers included", async () => {
  await holdTwoFactorRecords(harness, 'carol');
  const before = keysNaming(await fixture.keys(), 'carol');
  assert.equal(before.filter((key) => key.startsWith('passkey:credential:')).length, 2, before.join(' '));
  assert.equal(before.filter((key) => /^trusted:\{/.test(key)).length, 2, before.join(' '));

  const reset = await runCli(['users', 'reset-factor', 'carol', '--config', config]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^carol: removed TOTP, passkeys, 10 recovery codes;/);
  // Only the trust and session epochs the reset changed stay: they end a trust or a session issued meanwhile.
  assert.deepEqual(keysNaming(await fixture.keys(), 'carol').sort(), [
    'sessions:epoch:{u:carol}',
    'trusted:epoch:{u:carol}',
  ]);
});
