// S14, issue 12: a withheld 200 login answer is shown, after the second step, at the URL where
// the app answered it (the login path), not under the gateway's prefix, so its relative frame
// sources resolve to the app's pages. The same for every page that ends a pending login: the
// TOTP enrollment (its recovery codes' Continue), the TOTP step, the question enrollment and
// the question step. The gateway answers that GET itself: the app never sees it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CGI_QUESTIONS_ADMIN,
  type CgiHarness,
  cgiLogin,
  FRAMESET_TEXT,
  LOGIN_PATH,
  startCgiHarness,
} from '../helpers/cgi-app.js';
import type { Answer, Browser } from '../helpers/login-harness.js';
import { answerStepUp, postAnswerSet } from '../helpers/questions.js';

const STEP_MS = 30_000;
const REPLAY_COOKIE = 'gw_session_replay';

let harness: CgiHarness;
let secret: string;

before(async () => {
  harness = await startCgiHarness();
});
after(() => harness.close());

const appGetsOfLoginPath = () =>
  harness.app.requests.filter((r) => r.method === 'GET' && r.url.split('?', 1)[0] === LOGIN_PATH).length;

/** Follows the release to the login path and checks the frameset is there, and that its frames load. */
async function expectFramesetAtLoginPath(browser: Browser, release: Answer, location: string | undefined) {
  assert.equal(location, LOGIN_PATH, 'sent to where the app answered the login');
  assert.ok(browser.cookies.get(REPLAY_COOKIE), 'with a one-time replay token');
  assert.ok(browser.cookies.get('gw_session')?.startsWith('s'), 'and a full session');
  assert.ok(!release.text.includes(FRAMESET_TEXT), 'the page is not shown under the prefix');
  const gets = appGetsOfLoginPath();

  const shown = await browser.get(LOGIN_PATH);
  assert.equal(shown.status, 200);
  assert.match(shown.text, new RegExp(FRAMESET_TEXT));
  assert.match(shown.text, /src="menu\.pl"/);
  assert.equal(shown.headers['cache-control'], 'no-store');
  assert.equal(appGetsOfLoginPath(), gets, 'the gateway answered it; the app saw no GET');
  assert.equal(browser.cookies.get(REPLAY_COOKIE), undefined, 'the token cookie is cleared');

  // The frames, resolved against the login path as a browser resolves them.
  for (const frame of ['menu.pl', 'main.pl']) {
    const loaded = await browser.get(new URL(frame, `http://gateway${LOGIN_PATH}`).pathname);
    assert.equal(loaded.status, 200, frame);
  }
}

test('TOTP enrollment: Continue leads to the login path, which shows the withheld frameset', async () => {
  const browser = harness.browser();
  const login = await cgiLogin(browser);
  assert.equal(login.location, '/_gateway/enroll');
  const enrolled = await browser.enroll();
  secret = enrolled.secret;
  assert.equal(enrolled.recoveryCodes.length, 10);
  const href = /<a class="button" href="([^"]+)">Continue<\/a>/.exec(enrolled.answer.text)?.[1];
  await expectFramesetAtLoginPath(browser, enrolled.answer, href);
});

test('TOTP step: the code is answered with a 303 to the login path, which shows the frameset', async () => {
  harness.clock.advance(STEP_MS);
  const browser = harness.browser();
  const login = await cgiLogin(browser);
  assert.equal(login.location, '/_gateway/step-up');
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.status, 303);
  await expectFramesetAtLoginPath(browser, passed, passed.location);
});

test('question enrollment and question step: the same release', async () => {
  const browser = harness.browser();
  const login = await cgiLogin(browser, CGI_QUESTIONS_ADMIN);
  assert.equal(login.location, '/_gateway/enroll');
  const enrolled = await postAnswerSet(browser, '/_gateway/enroll/questions');
  assert.equal(enrolled.status, 303);
  await expectFramesetAtLoginPath(browser, enrolled, enrolled.location);

  const again = harness.browser();
  assert.equal((await cgiLogin(again, CGI_QUESTIONS_ADMIN)).location, '/_gateway/step-up');
  const passed = await answerStepUp(again);
  assert.equal(passed.status, 303);
  await expectFramesetAtLoginPath(again, passed, passed.location);
});

test('without its token, the login path is the app’s own page (nothing is replayed)', async () => {
  harness.clock.advance(STEP_MS);
  const browser = harness.browser();
  await cgiLogin(browser);
  await browser.stepUp(harness.code(secret));
  browser.cookies.delete(REPLAY_COOKIE);
  const gets = appGetsOfLoginPath();
  const page = await browser.get(LOGIN_PATH);
  assert.ok(!page.text.includes(FRAMESET_TEXT));
  assert.equal(appGetsOfLoginPath(), gets + 1, 'forwarded to the app as any GET');
});
