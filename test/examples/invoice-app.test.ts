// Tests for the demo invoicing app in examples/invoice-app, the unmodified web app the gateway protects.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { on, once } from 'node:events';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { createInvoiceApp, type InvoiceApp, type InvoiceAppOptions } from '../../examples/invoice-app/app.js';

interface RunningApp {
  readonly app: InvoiceApp;
  readonly baseUrl: string;
}

interface Visitor {
  readonly sid: string;
  readonly csrfToken: string;
}

const running: RunningApp[] = [];
let main: RunningApp;
let naive: RunningApp;

async function start(options: InvoiceAppOptions = {}): Promise<RunningApp> {
  const app = createInvoiceApp(options);
  const started = { app, baseUrl: await app.listen(0) };
  running.push(started);
  return started;
}

before(async () => {
  main = await start();
  naive = await start({ rotateSessionOnLogin: false });
});

after(async () => {
  await Promise.all(running.map(({ app }) => app.close()));
});

function sidFrom(response: Response): string | undefined {
  for (const cookie of response.headers.getSetCookie()) {
    const match = /^invoice_sid=([^;]*)/.exec(cookie);
    if (match) return match[1];
  }
  return undefined;
}

function request(target: RunningApp, path: string, init: RequestInit & { sid?: string } = {}): Promise<Response> {
  const { sid, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (sid !== undefined) headers.set('Cookie', `invoice_sid=${sid}`);
  return fetch(new URL(path, target.baseUrl), { ...rest, headers, redirect: 'manual' });
}

function postForm(target: RunningApp, path: string, sid: string | undefined, fields: Record<string, string>) {
  return request(target, path, { method: 'POST', sid, body: new URLSearchParams(fields) });
}

async function visitLoginPage(target: RunningApp): Promise<Visitor> {
  const response = await request(target, '/login');
  assert.equal(response.status, 200);
  const sid = sidFrom(response);
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(await response.text())?.[1];
  assert.ok(sid && csrfToken, 'the login page starts an anonymous session with a CSRF token');
  return { sid, csrfToken };
}

async function signIn(target: RunningApp, username = 'alice', password = `${username}-password`) {
  const visitor = await visitLoginPage(target);
  const response = await postForm(target, '/login', visitor.sid, {
    csrf_token: visitor.csrfToken,
    username,
    password,
  });
  await response.body?.cancel();
  assert.equal(response.status, 302);
  const sid = sidFrom(response) ?? visitor.sid;
  return { response, anonymousSid: visitor.sid, sid };
}

async function csrfTokenFor(target: RunningApp, sid: string): Promise<string> {
  const response = await request(target, '/api/csrf', { sid });
  return ((await response.json()) as { csrfToken: string }).csrfToken;
}

async function isSignedIn(target: RunningApp, sid: string): Promise<boolean> {
  const response = await request(target, '/api/me', { sid });
  await response.body?.cancel();
  return response.status === 200;
}

test('login rotates the session id and invalidates the anonymous one', async () => {
  const { response, anonymousSid, sid } = await signIn(main);
  assert.equal(response.headers.get('location'), '/dashboard');
  assert.match(sid, /^[0-9a-f]{64}$/);
  assert.notEqual(sid, anonymousSid);
  assert.equal(await isSignedIn(main, sid), true);
  assert.equal(await isSignedIn(main, anonymousSid), false);

  const cookie = response.headers.getSetCookie().find((value) => value.startsWith('invoice_sid='));
  assert.match(cookie ?? '', /; Path=\/; HttpOnly; SameSite=Lax$/);
});

test('with rotateSessionOnLogin: false the pre-login session id stays valid (session fixation)', async () => {
  const { response, anonymousSid, sid } = await signIn(naive);
  assert.equal(sidFrom(response), undefined);
  assert.equal(sid, anonymousSid);
  assert.equal(await isSignedIn(naive, anonymousSid), true);
});

test('a safe next parameter is followed after login, an off-site one is not', async () => {
  for (const [next, expected] of [
    ['/invoices/1001/download', '/invoices/1001/download'],
    ['//evil.example/phish', '/dashboard'],
    ['/\\evil.example', '/dashboard'],
    ['https://evil.example/', '/dashboard'],
  ]) {
    const visitor = await visitLoginPage(main);
    const response = await postForm(main, `/login?next=${encodeURIComponent(next ?? '')}`, visitor.sid, {
      csrf_token: visitor.csrfToken,
      username: 'bob',
      password: 'bob-password',
    });
    assert.equal(response.headers.get('location'), expected, `next=${next}`);
  }
});

test('wrong credentials re-render the login page; user names are case-sensitive', async () => {
  for (const [username, password] of [
    ['alice', 'wrong-password'],
    ['Alice', 'alice-password'],
    ['mallory', 'mallory-password'],
  ]) {
    const visitor = await visitLoginPage(main);
    const response = await postForm(main, '/login', visitor.sid, {
      csrf_token: visitor.csrfToken,
      username: username ?? '',
      password: password ?? '',
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Invalid username or password/);
    assert.equal(sidFrom(response), undefined);
    assert.equal(await isSignedIn(main, visitor.sid), false);
  }
});

test('login without a matching CSRF token is refused with 403', async () => {
  const visitor = await visitLoginPage(main);
  const credentials = { username: 'alice', password: 'alice-password' };
  const badToken = await postForm(main, '/login', visitor.sid, { ...credentials, csrf_token: 'forged' });
  assert.equal(badToken.status, 403);
  assert.match(badToken.headers.get('content-type') ?? '', /^text\/html/);
  await badToken.body?.cancel();
  const noCookie = await postForm(main, '/login', undefined, {
    ...credentials,
    csrf_token: visitor.csrfToken,
  });
  assert.equal(noCookie.status, 403);
  await noCookie.body?.cancel();
  assert.equal(await isSignedIn(main, visitor.sid), false);
});

test('the dashboard and API require a session', async () => {
  const page = await request(main, '/dashboard?tab=open');
  assert.equal(page.status, 302);
  assert.equal(page.headers.get('location'), '/login?next=%2Fdashboard%3Ftab%3Dopen');
  const api = await request(main, '/api/invoices');
  assert.equal(api.status, 401);
  assert.deepEqual(await api.json(), { error: 'unauthorized' });

  const { sid } = await signIn(main, 'carol');
  const dashboard = await request(main, '/dashboard', { sid });
  assert.equal(dashboard.status, 200);
  const body = await dashboard.text();
  assert.match(body, /carol/);
  assert.match(body, /INV-1001/);
  const invoices = (await (await request(main, '/api/invoices', { sid })).json()) as { invoices: unknown[] };
  assert.equal(invoices.invoices.length, 5);
});

test('HTML output escapes user input', async () => {
  const visitor = await visitLoginPage(main);
  const response = await postForm(main, '/login', visitor.sid, {
    csrf_token: visitor.csrfToken,
    username: '"><script>alert(1)</script>',
    password: 'x',
    next: '"><img src=x>',
  });
  const body = await response.text();
  assert.doesNotMatch(body, /<script>alert|<img src=x>/);
  assert.match(body, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('JSON login checks the X-CSRF-Token header and the credentials', async () => {
  const csrf = await request(main, '/api/csrf');
  const sid = sidFrom(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  assert.ok(sid);
  const login = (headers: Record<string, string>, password: string) =>
    request(main, '/api/login', {
      method: 'POST',
      sid,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ username: 'bob', password }),
    });

  const forged = await login({ 'X-CSRF-Token': 'forged' }, 'bob-password');
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  const wrong = await login({ 'X-CSRF-Token': csrfToken }, 'nope');
  assert.equal(wrong.status, 401);
  assert.deepEqual(await wrong.json(), { ok: false, error: 'invalid credentials' });

  const ok = await login({ 'X-CSRF-Token': csrfToken }, 'bob-password');
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true, user: { name: 'bob', role: 'staff' } });
  const newSid = sidFrom(ok);
  assert.ok(newSid && newSid !== sid);
  const me = await request(main, '/api/me', { sid: newSid });
  assert.deepEqual(await me.json(), { name: 'bob', role: 'staff' });
});

test('uploads are streamed and answered with their byte count and sha256', async () => {
  const { sid } = await signIn(main);
  const csrfToken = await csrfTokenFor(main, sid);
  const body = randomBytes(8 * 1024 * 1024 + 17);
  const response = await request(main, '/invoices/upload', {
    method: 'POST',
    sid,
    headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrfToken },
    body,
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  });

  const form = new FormData();
  form.set('document', new Blob([randomBytes(1000)]), 'scan.pdf');
  const multipart = await request(main, `/invoices/upload?csrf_token=${encodeURIComponent(csrfToken)}`, {
    method: 'POST',
    sid,
    body: form,
  });
  assert.equal(multipart.status, 200);
  assert.ok(((await multipart.json()) as { bytes: number }).bytes > 1000);

  const forged = await request(main, '/invoices/upload?csrf_token=forged', {
    method: 'POST',
    sid,
    body: 'x',
  });
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
});

test('downloads carry a filename; the export streams exactly the requested size', async () => {
  const { sid } = await signIn(main);
  const download = await request(main, '/invoices/1002/download', { sid });
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-disposition'), 'attachment; filename="invoice-1002.txt"');
  assert.match(await download.text(), /Globex GmbH/);
  const missing = await request(main, '/invoices/9999/download', { sid });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  const size = 5_000_001;
  const exported = await request(main, `/invoices/export?size=${size}`, { sid });
  assert.equal(exported.status, 200);
  assert.equal(exported.headers.get('content-length'), String(size));
  let received = 0;
  for await (const chunk of exported.body ?? []) received += chunk.length;
  assert.equal(received, size);

  const tooBig = await request(main, `/invoices/export?size=${2 * 1024 ** 3 + 1}`, { sid });
  assert.equal(tooBig.status, 400);
  await tooBig.body?.cancel();
});

test('public share links and password reset need no login', async () => {
  const share = await request(main, '/public/invoices/7d3a9c1e5b2f46a8b0c1d2e3f4a5b6c7');
  assert.equal(share.status, 200);
  assert.match(await share.text(), /INV-1003/);
  const badShare = await request(main, '/public/invoices/guess');
  assert.equal(badShare.status, 404);
  await badShare.body?.cancel();

  const page = await request(main, '/password-reset');
  const sid = sidFrom(page);
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const reset = await postForm(main, '/password-reset', sid, { csrf_token: csrfToken, account: 'alice' });
  assert.equal(reset.status, 200);
  assert.match(await reset.text(), /If the account exists, an email/);

  const css = await request(main, '/static/app.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  await css.body?.cancel();
});

function openSocket(target: RunningApp, sid?: string): WebSocket {
  const headers = sid === undefined ? {} : { Cookie: `invoice_sid=${sid}` };
  return new WebSocket(`${target.baseUrl.replace(/^http/, 'ws')}/ws`, { headers });
}

test('the WebSocket greets the signed-in user and echoes messages', async () => {
  const { sid } = await signIn(main, 'bob');
  const socket = openSocket(main, sid);
  const messages = on(socket, 'message');
  const next = async (): Promise<string> => String((await messages.next()).value[0]);
  await once(socket, 'open');
  assert.deepEqual(JSON.parse(await next()), { type: 'hello', user: 'bob' });
  socket.send('ping');
  assert.equal(await next(), 'echo:ping');
  socket.close();
  await once(socket, 'close');
  await messages.return?.();
});

test('the WebSocket refuses an upgrade without a session', async () => {
  const socket = openSocket(main);
  // Not once(socket, 'close'): that promise would reject on the very 'error' event this test expects.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const [error] = (await once(socket, 'error')) as [Error];
  assert.match(error.message, /Unexpected server response: 401/);
  await closed;
});

test('the event stream sends ticks to signed-in users', async () => {
  const { sid } = await signIn(main);
  const response = await request(main, '/events', { sid });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  assert.match(Buffer.from(first.value ?? []).toString(), /event: tick\nid: 1\ndata: \{"count":1,"user":"alice"/);
  await reader.cancel();
});

test('logout destroys the session and clears the cookie', async () => {
  const { sid } = await signIn(main);
  const csrfToken = await csrfTokenFor(main, sid);
  const forged = await postForm(main, '/logout', sid, { csrf_token: 'forged' });
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  assert.equal(await isSignedIn(main, sid), true);

  const response = await postForm(main, '/logout', sid, { csrf_token: csrfToken });
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('location'), '/login');
  assert.equal(sidFrom(response), '');
  assert.equal(await isSignedIn(main, sid), false);
  const dashboard = await request(main, '/dashboard', { sid });
  assert.equal(dashboard.status, 302);
});

test('close() ends open WebSockets and event streams promptly', async () => {
  const target = await start();
  const { sid } = await signIn(target);
  const socket = openSocket(target, sid);
  await once(socket, 'open');
  const events = await request(target, '/events', { sid });
  const reader = (events.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();

  const socketClosed = once(socket, 'close');
  await target.app.close();
  // 1001 is the closing handshake the server asked for; a client cut off when the grace period
  // ran out would see 1006. Proved by the code, not by a clock a loaded machine can miss.
  const [code] = (await socketClosed) as [number];
  assert.equal(code, 1001);
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
  assert.equal(target.app.services.streams.size, 0);
});
