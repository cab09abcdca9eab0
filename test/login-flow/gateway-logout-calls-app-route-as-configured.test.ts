// S14, issue 12: the gateway's own sign-out calls the app's logout route exactly as configured:
// the path as written (Django answers "/admin/logout" with a 301 and keeps its session), the
// method, the query; with the CSRF token read from the configured page with the same session,
// that page's new cookies taken along (Django's csrftoken), in the configured field or header.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { APP_SESSION_COOKIE, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

interface Call {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const calls: Call[] = [];
let harness: LoginHarness;

/** The Django-like part of the app: an index page with the logout form's token, and the logout itself. */
function djangoFront(req: IncomingMessage, res: import('node:http').ServerResponse): boolean {
  if (!req.url?.startsWith('/Admin/')) return false;
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    calls.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    if (req.url === '/Admin/') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'csrftoken=cookie-secret; Path=/' });
      res.end(
        '<form method="post" action="/Admin/Logout/"><input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en"></form>',
      );
      return;
    }
    res.writeHead(302, { location: '/login' }).end();
  });
  return true;
}

before(async () => {
  harness = await startLoginHarness({
    front: (req, res) => djangoFront(req, res),
    overrides: {
      login: {
        logout_routes: [
          {
            method: 'POST',
            path: '/Admin/Logout/',
            query: { next: '/' },
            csrf: {
              page: '/Admin/',
              field: 'csrfmiddlewaretoken',
              pattern: 'name="csrfmiddlewaretoken" value="([^"]+)"',
            },
          },
        ],
      },
    },
  });
});
after(() => harness.close());

test("the gateway's sign-out: the token page with the session, then the route as written with the token", async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  assert.equal((await browser.get('/dashboard')).status, 200);
  const sid = new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(
    String(harness.receivedAt('/dashboard').at(-1)?.headers.cookie),
  )?.[1];
  assert.ok(sid);

  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const out = await browser.post('/_gateway/logout', { csrf_token: csrf });
  assert.equal(out.status, 303);
  await waitFor('the upstream logout', () => calls.some((call) => call.method === 'POST'));

  const [page, logout] = calls;
  assert.equal(page?.method, 'GET');
  assert.equal(page?.url, '/Admin/');
  assert.match(String(page?.headers.cookie), new RegExp(`${APP_SESSION_COOKIE}=${sid}`));
  assert.equal(logout?.url, '/Admin/Logout/?next=%2F', 'the path as written, with its query');
  assert.equal(logout?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(new URLSearchParams(logout?.body).get('csrfmiddlewaretoken'), 'tok&en', 'the token, unescaped');
  const cookie = String(logout?.headers.cookie);
  assert.match(cookie, new RegExp(`${APP_SESSION_COOKIE}=${sid}`), "the session's cookie");
  assert.match(cookie, /csrftoken=cookie-secret/, "the token page's cookie");
  assert.equal(logout?.headers.referer, `${harness.gatewayUrl}/Admin/`, 'a Referer as the form would have');
  assert.equal(calls.length, 2);
  assert.doesNotMatch(harness.logText(), /tok&en|cookie-secret/, 'neither the token nor a cookie is logged');
});
