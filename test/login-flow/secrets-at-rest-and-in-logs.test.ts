// S6: after a whole flow (enrollment, step-up, recovery code, staff and JSON logins, wrong
// passwords and codes, logout), the store holds no plaintext TOTP secret, recovery code or
// app cookie value, and the log (at its most verbose) holds no password, code, secret or
// cookie value. The file store is used so that everything at rest can be read.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  APP_SESSION_COOKIE,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';

let harness: LoginHarness;
const browsers: Browser[] = [];
const codes: string[] = [];
let secret: string;
let recoveryCodes: string[];

before(async () => {
  harness = await startLoginHarness({ store: 'lmdb', overrides: { logging: { level: 'trace' } } });
});
after(() => harness.close());

/** Every cookie value a browser was handed, and every app session id the app was sent. */
function cookieValues(): string[] {
  const values = new Set<string>();
  for (const b of browsers) {
    for (const answer of b.answers) {
      for (const line of answer.setCookies) {
        const value = line.slice(line.indexOf('=') + 1, line.indexOf(';'));
        if (value.length >= 16) values.add(value);
      }
    }
  }
  for (const request of harness.received) {
    const sid = new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(String(request.headers.cookie))?.[1];
    if (sid) values.add(sid);
  }
  return [...values];
}

function assertAbsent(text: string, secrets: string[], where: string): void {
  for (const value of secrets) assert.ok(!text.includes(value), `${where} contains ${value.slice(0, 12)}…`);
}

test('a whole flow', async () => {
  const browser = (): Browser => {
    const b = harness.browser();
    browsers.push(b);
    return b;
  };
  const admin = browser();
  await admin.login(ADMIN.user, ADMIN.password);
  ({ secret, recoveryCodes } = await admin.enroll());
  assert.equal(recoveryCodes.length, 10);
  codes.push(harness.code(secret));
  harness.clock.advance(30_000);

  const later = browser();
  assert.match((await later.login(ADMIN.user, 'wrong-password')).text, /Invalid username or password/);
  await later.login(ADMIN.user, ADMIN.password);
  assert.equal((await later.stepUp('000000')).status, 401);
  codes.push(harness.code(secret));
  assert.equal((await later.stepUp(harness.code(secret))).location, '/dashboard');
  const dashboard = await later.get('/dashboard');
  await later.post('/logout', { csrf_token: formField(dashboard.text, 'csrf_token') as string });

  const recovering = browser();
  await recovering.login(ADMIN.user, ADMIN.password);
  assert.equal((await recovering.stepUp(recoveryCodes[0] as string)).location, '/dashboard');

  const staff = browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).status, 302);
  assert.equal((await staff.get('/dashboard')).status, 200);
  assert.equal((await browser().jsonLogin(STAFF.user, STAFF.password)).status, 200);

  assert.ok(cookieValues().length >= 8);
  assert.ok(harness.received.some((r) => String(r.headers.cookie).includes(APP_SESSION_COOKIE)));
});

test('the store holds no secret, recovery code or app cookie value in clear', async () => {
  const text = await readFile(join(harness.dataDir, 'store.lmdb'), 'utf8');
  assert.match(text, /totp:secret:\{u:alice\}/);
  const appSids = cookieValues().filter((value) => /^[0-9a-f]{64}$/.test(value));
  assert.ok(appSids.length > 0);
  assertAbsent(text, [secret, secret.toLowerCase(), ...appSids], 'the store');
  assertAbsent(
    text,
    recoveryCodes.flatMap((code) => [code, code.replace('-', '')]),
    'the store',
  );
  assertAbsent(text, [ADMIN.password, STAFF.password], 'the store');
  const sealed = await harness.gateway.login?.store.get('totp:secret:{u:alice}');
  assert.ok(sealed && !sealed.includes(secret));
});

test('the log holds no password, code, secret or cookie value', () => {
  const text = harness.logText();
  assert.ok(text.length > 0);
  assertAbsent(text, [ADMIN.password, STAFF.password, 'wrong-password', secret, secret.toLowerCase()], 'the log');
  assertAbsent(
    text,
    recoveryCodes.flatMap((code) => [code, code.replace('-', '')]),
    'the log',
  );
  assertAbsent(text, cookieValues(), 'the log');
  for (const code of codes) assert.doesNotMatch(text, new RegExp(`(^|[^0-9A-Za-z])${code}([^0-9A-Za-z]|$)`));
});
