// The client receives the upstream's status code, reason phrase, headers (every Set-Cookie
// line and every repeated header included) and body exactly as the upstream sent them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

const SET_COOKIES = [
  'session=abc123; Path=/; HttpOnly; SameSite=Lax',
  'prefs=dark%2Cwide; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/app',
  'tracking=; Max-Age=0; Path=/',
  'quoted="a,b;c"; Secure',
];
// Header values are bytes; Node hands them around as latin1 strings. Many apps write a raw
// UTF-8 filename into Content-Disposition, and it must arrive as the same bytes.
const UTF8_DISPOSITION = Buffer.from('attachment; filename="résumé ☕.pdf"', 'utf8').toString('latin1');

before(async () => {
  upstream = await startUpstream((req, res) => {
    const status = /^\/status\/(\d{3})(?:\/(.*))?$/.exec(req.url ?? '');
    if (status) {
      const reason = status[2] === undefined ? undefined : decodeURIComponent(status[2]);
      const body = `status ${status[1]}`;
      const headers = { 'content-type': 'text/plain', 'content-length': String(body.length) };
      if (reason === undefined) res.writeHead(Number(status[1]), headers);
      else res.writeHead(Number(status[1]), reason, headers);
      res.end(body);
      return;
    }
    if (req.url === '/download') {
      // Written raw: Node's own writeHead would re-encode a Content-Disposition that follows Content-Length.
      res.socket?.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 3\r\n` +
          `Content-Disposition: ${UTF8_DISPOSITION}\r\nConnection: close\r\n\r\npdf`,
        'latin1',
      );
      return;
    }
    const body = Buffer.from([0, 1, 2, 3, 255, 13, 10]);
    res.writeHead(200, [
      ['Content-Disposition', UTF8_DISPOSITION],
      ['Content-Type', 'application/x-test; charset=binary'],
      ['Content-Length', String(body.length)],
      ['Cache-Control', 'private, max-age=0'],
      ['ETag', '"v1-abc"'],
      ['Vary', 'Accept-Encoding, Cookie'],
      ['Link', '</a.css>; rel=preload'],
      ['Link', '</b.js>; rel=preload'],
      ['WWW-Authenticate', 'Basic realm="one"'],
      ['WWW-Authenticate', 'Bearer realm="two"'],
      ['X-Empty', ''],
      ['Date', 'Thu, 01 Jan 2037 00:00:00 GMT'],
      ...SET_COOKIES.map((cookie) => ['Set-Cookie', cookie]),
    ]);
    res.end(body);
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('status codes and their default reason phrases pass through', async () => {
  for (const code of [200, 201, 202, 203, 206, 301, 302, 303, 307, 308, 400, 401, 403, 404, 409, 410, 418, 429, 500]) {
    const res = await rawRequest(gateway.url, { path: `/status/${code}` });
    assert.equal(res.status, code);
    assert.equal(res.body.toString(), `status ${code}`);
  }
});

test('custom reason phrases and unregistered codes pass through', async () => {
  const cases: Array<[number, string]> = [
    [200, 'Everything Is Fine'],
    [404, 'Nothing Here, Sorry'],
    [299, 'Custom Success'],
    [499, 'Client Closed Request'],
    [599, 'Network Connect Timeout Error'],
  ];
  for (const [code, reason] of cases) {
    const res = await rawRequest(gateway.url, { path: `/status/${code}/${encodeURIComponent(reason)}` });
    assert.equal(res.status, code);
    assert.equal(res.statusMessage, reason);
  }
});

test('every header line reaches the client, Set-Cookie lines each on their own', async () => {
  const res = await rawRequest(gateway.url, { path: '/headers' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers['set-cookie'], SET_COOKIES);
  const lines = (name: string) =>
    res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1]!.toLowerCase() === name);
  assert.deepEqual(lines('set-cookie'), SET_COOKIES);
  assert.deepEqual(lines('link'), ['</a.css>; rel=preload', '</b.js>; rel=preload']);
  assert.deepEqual(lines('www-authenticate'), ['Basic realm="one"', 'Bearer realm="two"']);
  assert.equal(res.headers['content-type'], 'application/x-test; charset=binary');
  assert.equal(res.headers['content-length'], '7');
  assert.equal(res.headers['cache-control'], 'private, max-age=0');
  assert.equal(res.headers.etag, '"v1-abc"');
  assert.equal(res.headers.vary, 'Accept-Encoding, Cookie');
  assert.equal(res.headers['content-disposition'], UTF8_DISPOSITION);
  assert.equal(res.headers['x-empty'], '');
  assert.deepEqual(lines('date'), ['Thu, 01 Jan 2037 00:00:00 GMT']);
  assert.deepEqual(res.body, Buffer.from([0, 1, 2, 3, 255, 13, 10]));
});

test('a raw UTF-8 Content-Disposition after Content-Length arrives byte for byte', async () => {
  const res = await rawRequest(gateway.url, { path: '/download' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '3');
  assert.equal(res.headers['content-disposition'], UTF8_DISPOSITION);
  assert.equal(
    Buffer.from(res.headers['content-disposition'] as string, 'latin1').toString('utf8'),
    'attachment; filename="résumé ☕.pdf"',
  );
  assert.equal(res.body.toString(), 'pdf');
});
