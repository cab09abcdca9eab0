// S1: "Alice", " alice ", "ALICE" and fullwidth "ａｌｉｃｅ" are one user to the gateway, so
// none of them is a way around alice's second step or her lockout. The app here compares
// usernames loosely (as many do), so every spelling signs in as alice at the app.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  APP_SESSION_COOKIE,
  type AppFront,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** POST /login of an app that folds usernames (NFKC, trimmed, lower-cased) before checking them. */
const looseLogin: AppFront = (req, res, app) => {
  if (req.method !== 'POST' || req.url !== '/login') return false;
  void readAll(req).then(async (text) => {
    const form = new URLSearchParams(text);
    const session = app.services.sessions.fromRequest(req);
    const name = (form.get('username') ?? '').normalize('NFKC').trim().toLowerCase();
    const user = await app.services.users.verify(name, form.get('password') ?? '');
    if (!session || session.csrfToken !== form.get('csrf_token') || !user) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>Invalid username or password.</p>');
      return;
    }
    app.services.sessions.logIn(session, user.name, res);
    res.writeHead(302, { location: '/dashboard' });
    res.end();
  });
  return true;
};

const SPELLINGS = ['Alice', ' alice ', 'ALICE', '\uff41\uff4c\uff49\uff43\uff45', '\u00a0aLiCe\t'];
/** One client address per attempt (203.0.113.N), through the trusted proxy. */
const from = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });

before(async () => {
  harness = await startLoginHarness({
    front: looseLogin,
    overrides: {
      // Each attempt from its own address (through a trusted proxy), so that only per-user counting can lock.
      trusted_proxies: ['127.0.0.1'],
      limits: {
        password: { failures: SPELLINGS.length, user_failures: SPELLINGS.length, window: '10m', duration: '15m' },
      },
    },
  });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

test("every spelling of alice owes alice's second step", async () => {
  for (const spelling of SPELLINGS) {
    const browser = harness.browser();
    const answer = await browser.login(spelling, ADMIN.password);
    assert.equal(answer.status, 303, JSON.stringify(spelling));
    assert.equal(answer.location, '/_gateway/step-up', JSON.stringify(spelling));
    assert.ok(!answer.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)));
  }
  // And the step is alice's: her code passes it.
  const browser = harness.browser();
  await browser.login('ＡＬＩＣＥ', ADMIN.password);
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.location, '/dashboard');
});

test("wrong passwords under every spelling count against alice's one lockout", async () => {
  for (const [i, spelling] of SPELLINGS.entries()) {
    const browser = harness.browser();
    const answer = await browser.login(spelling, 'wrong-password', { headers: from(i + 1) });
    assert.equal(answer.status, 200, JSON.stringify(spelling));
    assert.match(answer.text, /Invalid username or password/);
  }
  const posts = harness.received.filter((r) => r.method === 'POST').length;
  const locked = harness.browser();
  const refused = await locked.login('alice', ADMIN.password, { headers: from(99) });
  assert.equal(refused.status, 429);
  assert.equal(harness.received.filter((r) => r.method === 'POST').length, posts, 'the password was not forwarded');

  // The lock is alice's, not the address's.
  const other = harness.browser();
  const staff = await other.login(STAFF.user, STAFF.password, { headers: from(99) });
  assert.equal(staff.status, 302);
});
