// Rules per path (issue 16): a form post to a path under `fresh_second_step` is held by the
// gateway, whole, while the person passes their second step again; then it reaches the app
// exactly once, with its body as sent. The app never sees a half-confirmed request. A step
// passed longer ago than the rule's time is asked again (the clock is the gateway's, injected).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

/** What the app received at its bank-details form: each post's body and content type. */
const posts: Array<{ body: Buffer; contentType: string | undefined; cookie: string | undefined }> = [];
let harness: LoginHarness;
let secret: string;
const FIVE_MINUTES = 5 * 60_000;
// Bytes a naive re-encoding would change: UTF-8, "+", "%", "&" inside a value, a CR LF.
const FORM = 'iban=DE89%203704%200044%200532%200130%2000&holder=J%C3%BCrgen+M%C3%BCller&note=50%25+%26+more%0D%0Aok';

before(async () => {
  harness = await startLoginHarness({
    overrides: {
      rules: [
        { path: '/settings/bank', methods: ['POST'], access: { fresh_second_step: '5m' } },
        { path: '/invoices/export', access: { fresh_second_step: '5m' } },
        { path: '/debug/', access: 'deny' },
      ],
    },
    front(req: IncomingMessage, res) {
      if (req.url !== '/settings/bank' || req.method !== 'POST') return false;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        posts.push({
          body: Buffer.concat(chunks),
          contentType: req.headers['content-type'],
          cookie: req.headers.cookie,
        });
        res.writeHead(303, { location: '/settings/bank?saved=1' }).end();
      });
      return true;
    },
  });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

test('within the time of the step passed at login, the post goes straight to the app', async () => {
  const browser = harness.browser();
  harness.clock.advance(30_000);
  await browser.login('alice', 'alice-password');
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.status, 302);
  const before = posts.length;
  const sent = await browser.post('/settings/bank', FORM);
  assert.equal(sent.status, 303);
  assert.equal(sent.location, '/settings/bank?saved=1');
  assert.equal(posts.length, before + 1);
  assert.equal(posts.at(-1)?.body.toString(), FORM);
});

test('a stale step: the post is held, confirmed with a TOTP code, and delivered once with its body intact', async () => {
  const browser = harness.browser();
  harness.clock.advance(30_000);
  await browser.login('alice', 'alice-password');
  await browser.stepUp(harness.code(secret));
  harness.clock.advance(FIVE_MINUTES + 1_000);
  const before = posts.length;

  const held = await browser.post('/settings/bank', FORM);
  assert.equal(held.status, 303);
  const location = held.location ?? '';
  assert.match(location, /^\/_gateway\/step-up\?held=[A-Za-z0-9_-]{43}$/);
  assert.equal(posts.length, before, 'the app has seen nothing of the held post');

  const page = await browser.get(location);
  assert.equal(page.status, 200);
  assert.match(page.text, /POST \/settings\/bank/);
  const csrf = formField(page.text, 'csrf_token') as string;
  const heldId = formField(page.text, 'held') as string;
  assert.equal(`/_gateway/step-up?held=${heldId}`, location);

  // A wrong code: asked again, nothing sent.
  const wrong = await browser.post('/_gateway/step-up', { csrf_token: csrf, held: heldId, code: '000000' });
  assert.equal(wrong.status, 401);
  assert.equal(posts.length, before);
  // A form without the session's CSRF token is refused before any check (S10).
  const forged = await browser.post('/_gateway/step-up', { held: heldId, code: harness.code(secret) });
  assert.equal(forged.status, 403);
  assert.equal(posts.length, before);

  const confirmed = await browser.post('/_gateway/step-up', {
    csrf_token: csrf,
    held: heldId,
    code: harness.code(secret),
  });
  assert.equal(confirmed.status, 303, "the app's own answer to the held post");
  assert.equal(confirmed.location, '/settings/bank?saved=1');
  assert.equal(posts.length, before + 1);
  const delivered = posts.at(-1);
  assert.ok(delivered);
  assert.equal(delivered.body.toString('latin1'), FORM, 'byte for byte');
  assert.equal(delivered.contentType, 'application/x-www-form-urlencoded');
  assert.match(delivered.cookie ?? '', /invoice_sid=/, "sent with the session's vault");
  assert.doesNotMatch(delivered.cookie ?? '', /gw_session/, "never with the gateway's cookie");

  // The same confirmation again (a double click, a replayed form): nothing more is sent.
  harness.clock.advance(30_000);
  const again = await browser.post('/_gateway/step-up', { csrf_token: csrf, held: heldId, code: harness.code(secret) });
  assert.equal(again.status, 409);
  assert.equal(posts.length, before + 1, 'delivered exactly once');

  // Fresh now: the next post goes straight through, until the rule's time has passed again.
  const straight = await browser.post('/settings/bank', FORM);
  assert.equal(straight.status, 303);
  assert.equal(straight.location, '/settings/bank?saved=1');
  assert.equal(posts.length, before + 2);
  harness.clock.advance(FIVE_MINUTES + 1_000);
  const stale = await browser.post('/settings/bank', FORM);
  assert.match(stale.location ?? '', /^\/_gateway\/step-up\?held=/, 'a stale step is asked again');
  assert.equal(posts.length, before + 2);
  assert.match(harness.logText(), /"event":"access.request_held"/);
  assert.match(harness.logText(), /"event":"access.held_request_sent"/);
  assert.match(harness.logText(), /"event":"step_up.renewed"/);
});

test("a held post belongs to its session: another session's confirmation cannot send it", async () => {
  const owner = harness.browser();
  harness.clock.advance(30_000);
  await owner.login('alice', 'alice-password');
  await owner.stepUp(harness.code(secret));
  harness.clock.advance(FIVE_MINUTES + 1_000);
  const held = await owner.post('/settings/bank', FORM);
  const heldId = /held=([A-Za-z0-9_-]+)/.exec(held.location ?? '')?.[1] as string;

  const other = harness.browser();
  harness.clock.advance(30_000);
  await other.login('alice', 'alice-password');
  await other.stepUp(harness.code(secret));
  const before = posts.length;
  const page = await other.get(`/_gateway/step-up?held=${heldId}`);
  assert.equal(page.status, 409);
  harness.clock.advance(30_000);
  const csrf = await other.gatewayCsrf('/_gateway/step-up');
  const attempt = await other.post('/_gateway/step-up', { csrf_token: csrf, held: heldId, code: harness.code(secret) });
  assert.equal(attempt.status, 409);
  assert.equal(posts.length, before);
});

test('a script gets 401 JSON; a GET under a fresh rule goes to the step and back', async () => {
  const browser = harness.browser();
  harness.clock.advance(30_000);
  await browser.login('alice', 'alice-password');
  await browser.stepUp(harness.code(secret));
  harness.clock.advance(FIVE_MINUTES + 1_000);
  // The rule names POST only: a GET of the page is an ordinary session request.
  assert.equal((await browser.get('/dashboard')).status, 200);
  const json = await browser.request('POST', '/settings/bank', {
    json: { iban: 'x' },
    headers: { accept: 'application/json' },
  });
  assert.equal(json.status, 401);
  assert.equal((JSON.parse(json.text) as { error: string }).error, 'second_step_required');

  const exports = harness.receivedAt('/invoices/export').length;
  const asked = await browser.get('/invoices/export?size=10');
  assert.equal(asked.status, 303);
  assert.equal(asked.location, '/_gateway/step-up?next=%2Finvoices%2Fexport%3Fsize%3D10');
  const page = await browser.get(asked.location);
  const passed = await browser.post('/_gateway/step-up', {
    csrf_token: formField(page.text, 'csrf_token') as string,
    next: formField(page.text, 'next') as string,
    code: harness.code(secret),
  });
  assert.equal(passed.status, 303);
  assert.equal(passed.location, '/invoices/export?size=10');
  assert.equal(harness.receivedAt('/invoices/export').length, exports, 'a GET is asked again by the browser, not held');
  const exported = await browser.get('/invoices/export?size=10');
  assert.equal(exported.status, 200);
  assert.equal(harness.receivedAt('/invoices/export').length, exports + 1);
});

test('a deny rule: nobody reaches the path, whatever their session', async () => {
  const browser = harness.browser();
  harness.clock.advance(30_000);
  await browser.login('alice', 'alice-password');
  await browser.stepUp(harness.code(secret));
  for (const path of ['/debug', '/debug/vars', '/DEBUG/vars/', '//debug;x/vars']) {
    assert.equal((await browser.get(path)).status, 403, path);
    assert.equal((await harness.browser().get(path)).status, 403, `${path} without a session`);
  }
  assert.equal(harness.receivedAt('/debug').length + harness.receivedAt('//debug').length, 0);
  assert.equal(harness.receivedAt('/DEBUG').length, 0);
  assert.match(harness.logText(), /"event":"access.rule_denied"/);
});

test('too large a post is refused (413) rather than held in part', async () => {
  const browser = harness.browser();
  harness.clock.advance(30_000);
  await browser.login('alice', 'alice-password');
  await browser.stepUp(harness.code(secret));
  harness.clock.advance(FIVE_MINUTES + 1_000);
  const before = posts.length;
  const large = await browser.post('/settings/bank', `blob=${'a'.repeat(300 * 1024)}`);
  assert.equal(large.status, 413);
  assert.equal(posts.length, before);
});
