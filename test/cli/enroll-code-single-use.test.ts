// S12: with `enrollment.first: code`, a first enrollment needs a one-time code from `gateway
// users enroll-code`: printed once (never logged), good for the user it names (canonicalised
// as the login does) and for one use only; a user who already has a factor gets none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enrollCodeAccepted } from '../../src/factors/enroll-codes.js';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { ADMIN, formField, type LoginHarness } from '../helpers/login-harness.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture({ enrollment: { first: 'code' } });
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

async function issue(name: string): Promise<string> {
  const issued = await runCli(['users', 'enroll-code', name, '--config', config]);
  assert.equal(issued.code, 0, issued.stderr);
  const code = /^alice: enrollment code (\S+) \(single use, valid 24 hours, replaces any earlier one\)\n$/.exec(
    issued.stdout,
  )?.[1];
  assert.ok(code, issued.stdout);
  assert.deepEqual(
    issued.audit.map(({ event, user }) => ({ event, user })),
    [{ event: 'enrollment.code_issued', user: 'alice' }],
  );
  assert.ok(!issued.stderr.includes(code), 'the code is not in the audit line');
  return code;
}

test('a code is accepted once, for the user it was issued to', async () => {
  const code = await issue(' ALICE ');
  const services = harness.gateway.login!;
  assert.equal(await enrollCodeAccepted(services, 'bob', code), false);
  assert.equal(await enrollCodeAccepted(services, 'alice', code), true);
  assert.equal(await enrollCodeAccepted(services, 'alice', code), false);
});

test('an issued code lets the admin enroll; an enrolled user gets no code', async () => {
  const code = await issue('alice');
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
  const page = await browser.get('/_gateway/enroll');
  assert.match(page.text, /name="enroll_code"/);
  const secret = /id="totp-secret">([^<]+)</.exec(page.text)?.[1] as string;
  const form = { csrf_token: formField(page.text, 'csrf_token') as string, code: harness.code(secret) };
  assert.equal((await browser.post('/_gateway/enroll', { ...form, enroll_code: 'WRONG-CODE' })).status, 401);
  const enrolled = await browser.post('/_gateway/enroll', { ...form, enroll_code: code });
  assert.equal(enrolled.status, 200);
  assert.match(enrolled.text, /id="recovery-codes"/);

  const refused = await runCli(['users', 'enroll-code', 'alice', '--config', config]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /alice already has TOTP: a first-enrollment code is for a user with no factor/);
});
