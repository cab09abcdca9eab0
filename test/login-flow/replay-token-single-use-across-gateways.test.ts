// Issue 12: the one-time token of a withheld page holds on any number of gateways. Two gateways
// share a real redis-server: the page kept after the step on one is shown by the other, and of
// parallel uses split across both exactly one gets it (set-if-absent, taken by one delete).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type CgiHarness, cgiLogin, FRAMESET_TEXT, LOGIN_PATH, startCgiHarness } from '../helpers/cgi-app.js';
import type { Browser } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const STEP_MS = 30_000;

let redis: RedisServer;
let a: CgiHarness;
let b: CgiHarness;
let secret: string;

before(async () => {
  redis = await startRedisServer();
  const store = { type: 'redis', url: redis.url, prefix: `replay:${randomUUID()}:` };
  a = await startCgiHarness({ store });
  b = await startCgiHarness({ store, beside: a });
  const browser = a.browser();
  await cgiLogin(browser);
  ({ secret } = await browser.enroll());
});
after(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

/** The same person's browser on the other gateway (its cookies copied over). */
function on(gateway: CgiHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

/** A login through the TOTP step on gateway A. */
async function passedStepOnA(): Promise<Browser> {
  a.clock.advance(STEP_MS);
  const browser = a.browser();
  assert.equal((await cgiLogin(browser)).location, '/_gateway/step-up');
  assert.equal((await browser.stepUp(a.code(secret))).location, LOGIN_PATH);
  return browser;
}

test('the page kept on one gateway is shown by the other, once', async () => {
  const browser = await passedStepOnA();
  const onB = on(b, browser);
  assert.match((await onB.get(LOGIN_PATH)).text, new RegExp(FRAMESET_TEXT));
  assert.ok(!(await browser.get(LOGIN_PATH)).text.includes(FRAMESET_TEXT), 'spent on A too');
});

test('parallel uses split across both gateways: exactly one gets the page', async () => {
  const browser = await passedStepOnA();
  const onB = on(b, browser);
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? browser : onB).get(LOGIN_PATH)));
  assert.equal(answers.filter((answer) => answer.text.includes(FRAMESET_TEXT)).length, 1);
});
