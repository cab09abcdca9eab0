// S12: with `enrollment.first: code`, a first enrollment needs a one-time code from `gateway
// users enroll-code`: printed once (never logged), good for the user it names (canonicalised
// as the login does) and for one use only; a user who already has a factor gets none.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { enrollCodeAccepted } from '../../src/login/enroll-codes.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { ADMIN, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let harness: LoginHarness;
let config: string;

before(async () => {
  redis = await startRedisServer();
  const sections = {
    store: { type: 'redis', url: redis.url, prefix: `cli:${randomUUID()}:` },
    enrollment: { first: 'code' },
  };
  harness = await startLoginHarness({ overrides: sections });
  config = await writeCliConfig(harness, sections);
});
after(async () => {
  await harness?.close();
  await redis?.stop();
});

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
