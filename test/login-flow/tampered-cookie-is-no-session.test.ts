// S4: a gateway cookie that is tampered with, malformed, or signed with another gateway's
// key is no session at all: the browser is sent to the login page (a script gets 401), never
// an error page, never a 500, never an identity.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let foreign: LoginHarness;
let valid: string;

before(async () => {
  harness = await startLoginHarness();
  // Another gateway, with keys of its own, in front of the same app.
  foreign = await startLoginHarness({ app: harness });
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  valid = browser.cookies.get('gw_session') as string;
});
after(async () => {
  await foreign.close();
  await harness.close();
});

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The cookie with the character at `index` (from the end when negative) changed in the given bits. */
function flip(cookie: string, index: number, bits: number): string {
  const at = index < 0 ? cookie.length + index : index;
  const char = BASE64URL[BASE64URL.indexOf(cookie[at] as string) ^ bits] as string;
  return cookie.slice(0, at) + char + cookie.slice(at + 1);
}

/** The cookie with text inserted at `index`. */
function insert(cookie: string, index: number, text: string): string {
  return cookie.slice(0, index) + text + cookie.slice(index);
}

async function assertNoSession(value: string, label: string): Promise<void> {
  const browser = harness.browser();
  browser.cookies.set('gw_session', value);
  const before = harness.received.length;
  const page = await browser.get('/dashboard');
  assert.equal(page.status, 303, label);
  assert.equal(page.location, '/login?next=%2Fdashboard', label);
  const api = await browser.getJson('/api/me');
  assert.equal(api.status, 401, label);
  assert.deepEqual(JSON.parse(api.text), { error: 'login_required', login_url: '/login' }, label);
  assert.equal(harness.received.length, before, `${label}: reached the app`);
  const account = await browser.get('/_gateway/account');
  assert.equal(account.status, 303, label);
  assert.equal(account.location, '/login', label);
  const stepUp = await browser.get('/_gateway/step-up');
  assert.equal(stepUp.status, 401, label);
  assert.match(stepUp.text, /sign in again/i, label);
}

test('the untouched cookie is a session (the control)', async () => {
  const browser = harness.browser();
  browser.cookies.set('gw_session', valid);
  assert.equal((await browser.get('/dashboard')).status, 200);
});

test('a tampered cookie is no session', async () => {
  const dot = valid.indexOf('.');
  const rows: Array<[string, string]> = [
    ['the last signature character, a bit that counts', flip(valid, -1, 0b100)],
    // 43 base64url characters carry 258 bits for a 256-bit signature: the last two are spare.
    ['the last signature character, a spare bit', flip(valid, -1, 0b1)],
    ['the first signature character', flip(valid, dot + 1, 0b1)],
    ['a character of the id', flip(valid, 5, 0b1)],
    ['the kind tag (session -> pending)', `p${valid.slice(1)}`],
    ['a stray character in the signature', insert(valid, dot + 10, '!')],
    ['a space in the signature', insert(valid, dot + 10, ' ')],
    ['"=" padding after the signature', `${valid}=`],
    ['signature cut short', valid.slice(0, -2)],
    ['signature doubled', `${valid}${valid.slice(dot + 1)}`],
    ['id with the signature of another', `${valid.slice(0, dot)}.${'A'.repeat(43)}`],
  ];
  for (const [label, value] of rows) await assertNoSession(value, label);
});

test('a malformed cookie is no session', async () => {
  const rows = ['', '.', 'garbage', `s${'A'.repeat(43)}`, `s${'A'.repeat(43)}.`, 'a.b.c', '%00', 'x'.repeat(4000)];
  for (const value of rows) await assertNoSession(value, JSON.stringify(value.slice(0, 20)));
});

test("a cookie signed with another gateway's key is no session", async () => {
  // The foreign gateway's own session cookie...
  const elsewhere = foreign.browser();
  await elsewhere.login(STAFF.user, STAFF.password);
  await assertNoSession(elsewhere.cookies.get('gw_session') as string, "the other gateway's cookie");
  // ...and this gateway's live session id, signed by the other gateway's key.
  const id = valid.slice(1, valid.indexOf('.'));
  const forged = foreign.gateway.login?.signer.sign(`s${id}`) as string;
  assert.notEqual(forged, valid);
  await assertNoSession(forged, 'a live id under a foreign signature');
});
