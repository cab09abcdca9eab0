// Issue 12: the one-time token that fetches a withheld page at its own address is answered
// once, and only to the session it was kept for. Another session carrying it, a second use,
// two uses at once: the app's own behaviour for that GET (forwarded as any other), never the
// withheld answer twice. The token never reaches the app and is never logged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CgiHarness,
  cgiLogin,
  FRAMESET_TEXT,
  LOGIN_FORM_TEXT,
  LOGIN_PATH,
  startCgiHarness,
} from '../helpers/cgi-app.js';
import type { Browser } from '../helpers/login-harness.js';

const STEP_MS = 30_000;
const REPLAY_COOKIE = 'gw_session_replay';

let harness: CgiHarness;
let secret: string;

before(async () => {
  harness = await startCgiHarness();
  const browser = harness.browser();
  await cgiLogin(browser);
  ({ secret } = await browser.enroll());
});
after(() => harness.close());

/** A login through the TOTP step: the browser holds its new session and the token for its page. */
async function passedStep(): Promise<{ browser: Browser; token: string }> {
  harness.clock.advance(STEP_MS);
  const browser = harness.browser();
  assert.equal((await cgiLogin(browser)).location, '/_gateway/step-up');
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.location, LOGIN_PATH);
  const token = browser.cookies.get(REPLAY_COOKIE);
  assert.ok(token);
  return { browser, token };
}

test('a second use of the token gets the app’s own login page', async () => {
  const { browser, token } = await passedStep();
  assert.match((await browser.get(LOGIN_PATH)).text, new RegExp(FRAMESET_TEXT));
  browser.cookies.set(REPLAY_COOKIE, token);
  const again = await browser.get(LOGIN_PATH);
  assert.equal(again.status, 200);
  assert.ok(!again.text.includes(FRAMESET_TEXT), 'never the withheld answer twice');
  assert.match(again.text, new RegExp(LOGIN_FORM_TEXT));
});

test('another session carrying the token gets the app’s page; the token stays for its own session', async () => {
  const { browser, token } = await passedStep();
  const other = (await passedStep()).browser;
  other.cookies.set(REPLAY_COOKIE, token);
  const foreign = await other.get(LOGIN_PATH);
  assert.ok(!foreign.text.includes(FRAMESET_TEXT), 'not shown to another session');
  assert.match(foreign.text, new RegExp(LOGIN_FORM_TEXT));

  const anonymous = harness.browser();
  anonymous.cookies.set(REPLAY_COOKIE, token);
  assert.ok(!(await anonymous.get(LOGIN_PATH)).text.includes(FRAMESET_TEXT), 'nor to nobody');

  assert.match((await browser.get(LOGIN_PATH)).text, new RegExp(FRAMESET_TEXT), 'its own session still gets it');
});

test('the token is answered at its own path only', async () => {
  const { browser } = await passedStep();
  const elsewhere = await browser.get('/cgi/main.pl');
  assert.match(elsewhere.text, /Main page of ada/, 'another path is the app’s');
  assert.ok(browser.cookies.get(REPLAY_COOKIE), 'and leaves the token in place');
  assert.match((await browser.get(LOGIN_PATH)).text, new RegExp(FRAMESET_TEXT));
});

test('two uses at once: exactly one gets the page', async () => {
  const { browser } = await passedStep();
  const answers = await Promise.all(Array.from({ length: 6 }, () => browser.get(LOGIN_PATH)));
  assert.equal(answers.filter((answer) => answer.text.includes(FRAMESET_TEXT)).length, 1);
});

test('the token never reaches the app and is never logged', async () => {
  const { browser, token } = await passedStep();
  await browser.get(LOGIN_PATH);
  browser.cookies.set(REPLAY_COOKIE, token);
  await browser.get(LOGIN_PATH);
  await browser.get('/cgi/menu.pl');
  for (const request of harness.app.requests) {
    assert.ok(!request.url.includes(token), request.url);
    assert.ok(!JSON.stringify(request.headers).includes(token), `headers of ${request.url}`);
  }
  assert.ok(!harness.logText().includes(token));
});
