// S5, S15: wrong second-step codes and wrong passwords are counted per (user, address), per
// user, and per address in distinct users; past a limit that user at that address, the user
// (from anywhere) or the address (for anyone) is locked out with a 429 that reads the same
// whichever it was, and the password is not forwarded to the app. Small limits; client
// addresses come through a trusted proxy's X-Forwarded-For.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Answer, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
const secrets = new Map<string, string>();
const PASSWORDS: Record<string, string> = { alice: 'alice-password', bob: 'bob-password', carol: 'carol-password' };

before(async () => {
  harness = await startLoginHarness({
    overrides: {
      trusted_proxies: ['127.0.0.1'],
      limits: {
        pending_attempts: 10,
        second_step: { failures: 3, user_failures: 3, address_users: 2, window: '10m', duration: '15m' },
        password: { failures: 3, user_failures: 3, address_users: 3, window: '10m', duration: '15m' },
      },
    },
  });
  secrets.set('alice', (await harness.enrollAdmin()).secret);
  for (const user of ['bob', 'carol']) {
    const browser = harness.browser();
    await browser.login(user, PASSWORDS[user] as string);
    secrets.set(user, (await browser.enroll('/_gateway/account/enroll')).secret);
  }
  harness.clock.advance(30_000);
});
after(() => harness.close());

const from = (address: string) => ({ 'x-forwarded-for': address });
const loginPosts = () => harness.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

/** Signs in with the right password from an address; the browser is then pending (or refused). */
async function signIn(user: string, address: string, password = PASSWORDS[user] as string) {
  const browser = harness.browser();
  const answer = await browser.login(user, password, { headers: from(address) });
  return { browser, answer };
}

async function wrongCode(browser: Browser, user: string, address: string): Promise<Answer> {
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  const right = harness.code(secrets.get(user) as string);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  return browser.request('POST', '/_gateway/step-up', {
    form: { csrf_token: csrf, code: wrong },
    headers: from(address),
  });
}

/** A 429 page without its request id, to compare wordings. */
function lockoutWording(answer: Answer): string {
  assert.equal(answer.status, 429);
  return answer.text.replace(/request [0-9a-f-]{36}/, 'request ID');
}

const wordings = new Set<string>();

test('wrong codes from many addresses lock the user, from anywhere, not the addresses', async () => {
  for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
    const { browser } = await signIn('alice', address);
    assert.equal((await wrongCode(browser, 'alice', address)).status, 401);
  }
  const before = loginPosts();
  const { answer } = await signIn('alice', '203.0.113.4');
  wordings.add(lockoutWording(answer));
  assert.equal(loginPosts(), before, 'the password was not forwarded');
  assert.equal((await signIn('bob', '203.0.113.4')).answer.location, '/_gateway/step-up');
});

test('wrong codes for many users from one address lock the address, for anyone', async () => {
  const address = '198.51.100.7';
  for (const user of ['bob', 'carol']) {
    const { browser } = await signIn(user, address);
    assert.equal((await wrongCode(browser, user, address)).status, 401);
  }
  const { answer } = await signIn('carol', address);
  wordings.add(lockoutWording(answer));
  const elsewhere = await signIn('carol', '198.51.100.8');
  assert.equal(elsewhere.answer.location, '/_gateway/step-up');
  assert.equal((await elsewhere.browser.stepUp(harness.code(secrets.get('carol') as string))).location, '/dashboard');
});

test("the app's password form is throttled per user and per address", async () => {
  // Per address: wrong passwords for three names from one address (credential stuffing).
  for (const user of ['dave', 'erin', 'frank']) {
    const { answer } = await signIn(user, '192.0.2.9', 'wrong');
    assert.match(answer.text, /Invalid username or password/);
  }
  let before = loginPosts();
  wordings.add(lockoutWording((await signIn('carol', '192.0.2.9')).answer));
  assert.equal(loginPosts(), before);

  // Per user: wrong passwords for one name from three addresses.
  for (const address of ['192.0.2.10', '192.0.2.11', '192.0.2.12']) await signIn('bob', address, 'wrong');
  before = loginPosts();
  wordings.add(lockoutWording((await signIn('bob', '192.0.2.13')).answer));
  assert.equal(loginPosts(), before);
  assert.equal((await signIn('carol', '192.0.2.13')).answer.location, '/_gateway/step-up');
});

test('every lockout reads the same', () => {
  assert.equal(wordings.size, 1);
  const events = harness.logText().match(/"event":"lockout\.started"/g) ?? [];
  assert.equal(events.length, 4, 'each lockout is an audit event');
  assert.match(harness.logText(), /"subjects":\["address:198\.51\.100\.7"\]/);
});
