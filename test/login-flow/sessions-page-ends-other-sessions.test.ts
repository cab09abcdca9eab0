// Issue 15, part 3: "my sessions and devices". A signed-in person sees their sessions (the
// current one marked, with address and browser), ends another browser's session or every other
// one, and only their own: another user's session id ends nothing, and a form without its CSRF
// token is refused (S10). An ended session is refused on its next request past the 2-second
// record cache.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, formField, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
const CACHE_MS = 2_001;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

async function signedIn(): Promise<Browser> {
  const browser = harness.browser();
  assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
  return browser;
}

const csrf = (browser: Browser) => browser.gatewayCsrf('/_gateway/account/sessions');

test('the page lists the sessions, marks this one, and ends another browser', async () => {
  const mine = await signedIn();
  const other = await signedIn();
  const account = await mine.get('/_gateway/account');
  assert.match(account.text, /href="\/_gateway\/account\/sessions">Your sessions and devices/);
  assert.match(account.text, /<a href="\/">Back to the app<\/a>/);

  const page = await mine.get('/_gateway/account/sessions');
  assert.equal(page.status, 200);
  assert.equal((page.text.match(/data-session="current"/g) ?? []).length, 1);
  assert.equal((page.text.match(/data-session="other"/g) ?? []).length, 1);
  assert.match(page.text, /from 127\.0\.0\.1/);
  const id = formField(page.text, 'session') as string;

  const refused = await mine.post('/_gateway/account/sessions/end', { session: id });
  assert.equal(refused.status, 403, 'no CSRF token, nothing ended');
  harness.clock.advance(CACHE_MS);
  assert.equal((await other.get('/dashboard')).status, 200);

  const ended = await mine.post('/_gateway/account/sessions/end', { csrf_token: await csrf(mine), session: id });
  assert.equal(ended.status, 200);
  assert.equal((ended.text.match(/data-session=/g) ?? []).length, 1);
  harness.clock.advance(CACHE_MS);
  assert.equal((await other.get('/dashboard')).status, 303, 'the other browser is signed out');
  assert.equal((await mine.get('/dashboard')).status, 200, 'this one is not');
  assert.match(harness.logText(), /"event":"session\.revoked","user":"bob","by":"user"/);
});

test("an id that is not one of the person's sessions ends nothing", async () => {
  const mine = await signedIn();
  const carol = harness.browser();
  assert.equal((await carol.login('carol', 'carol-password')).location, '/dashboard');
  const carolId = formField((await carol.get('/_gateway/account/sessions')).text, 'session');
  assert.equal(carolId, undefined, 'carol has one session: nothing to end but her own');
  const carolPage = await carol.get('/_gateway/account/sessions');
  assert.match(carolPage.text, /data-session="current"/);
  const answer = await mine.post('/_gateway/account/sessions/end', {
    csrf_token: await csrf(mine),
    session: 'A'.repeat(43),
  });
  assert.equal(answer.status, 404);
  harness.clock.advance(CACHE_MS);
  assert.equal((await carol.get('/dashboard')).status, 200);
});

test('"end all other sessions" keeps only this one', async () => {
  const mine = await signedIn();
  const others = [await signedIn(), await signedIn()];
  const answer = await mine.post('/_gateway/account/sessions/end-others', { csrf_token: await csrf(mine) });
  assert.equal(answer.status, 200);
  assert.equal((answer.text.match(/data-session=/g) ?? []).length, 1);
  harness.clock.advance(CACHE_MS);
  for (const other of others) assert.equal((await other.get('/dashboard')).status, 303);
  assert.equal((await mine.get('/dashboard')).status, 200);
});
