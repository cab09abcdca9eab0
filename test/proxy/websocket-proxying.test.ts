// WebSockets work through the gateway: the handshake reaches the upstream with the path
// byte for byte and the gateway's forwarded headers, messages echo both ways, closing
// either end closes the other, and an upgrade the upstream refuses reaches the client as
// the upstream's own answer.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { addWebSocketEcho, type WebSocketUpstream } from '../helpers/websocket-upstream.js';

let upstream: TestUpstream;
let echo: WebSocketUpstream;
let gateway: TestGateway;
const clients: WebSocket[] = [];

before(async () => {
  upstream = await startUpstream();
  echo = addWebSocketEcho(upstream);
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  for (const client of clients) client.terminate();
  await gateway.close();
  echo.close();
  await upstream.close();
});

/** Opens a WebSocket through the gateway and waits until it is open. */
async function connect(
  path: string,
  headers: Record<string, string> = {},
  protocols: string[] = [],
): Promise<WebSocket> {
  const client = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}${path}`, protocols, { headers });
  clients.push(client);
  await once(client, 'open');
  return client;
}

async function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const [data, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
  return { data, isBinary };
}

test('the handshake answer gets the same header hygiene as any response', async () => {
  const client = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/handshake`);
  clients.push(client);
  // ws emits 'open' in the same tick as 'upgrade': both are awaited from before either fires.
  const opened = once(client, 'open');
  const [res] = (await once(client, 'upgrade')) as [http.IncomingMessage];
  await opened;
  assert.equal(res.statusCode, 101);
  assert.equal(res.headers['x-internal'], undefined);
  assert.deepEqual(res.headers['set-cookie'], ['ws=1; Path=/']);
  assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('messages echo through the gateway, text and binary', async () => {
  const client = await connect('/socket');
  client.send('hello through the gateway');
  const text = await nextMessage(client);
  assert.equal(text.isBinary, false);
  assert.equal(text.data.toString(), 'hello through the gateway');
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
  client.send(bytes);
  const binary = await nextMessage(client);
  assert.equal(binary.isBinary, true);
  assert.deepEqual(binary.data, bytes);
  const large = Buffer.alloc(1024 * 1024, 9);
  client.send(large);
  assert.deepEqual((await nextMessage(client)).data, large);
});

test('the upstream sees the path byte for byte and the gateway’s forwarded headers', async () => {
  const path = '/socket//room%7E%20caf%C3%A9;v=1/x?token=a%2Fb&q=%20';
  const client = await connect(
    path,
    {
      'X-Forwarded-For': '198.51.100.1',
      X_Real_IP: '198.51.100.2',
      'X-Request-Id': 'attacker-id',
      'X-Original-URL': '/admin',
      Cookie: 'app=1',
    },
    ['chat'],
  );
  assert.equal(client.protocol, 'chat');
  const upgrade = echo.upgrades.at(-1)!;
  assert.equal(upgrade.url, path);
  assert.equal(upgrade.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(upgrade.headers['x-real-ip'], '127.0.0.1');
  assert.equal(upgrade.headers['x-forwarded-proto'], 'http');
  assert.equal(upgrade.headers['x-forwarded-host'], `127.0.0.1:${gateway.port}`);
  assert.equal(upgrade.headers.host, `127.0.0.1:${upstream.port}`);
  assert.match(String(upgrade.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(upgrade.headers['x-original-url'], undefined);
  assert.ok(!upgrade.rawHeaders.some((value) => value.includes('198.51.100.')));
  assert.equal(upgrade.headers['sec-websocket-protocol'], 'chat');
  assert.equal(upgrade.headers.cookie, 'app=1');
  assert.equal(String(upgrade.headers.upgrade).toLowerCase(), 'websocket');
});

test('closing the client closes the upstream end', async () => {
  const client = await connect('/close-from-client');
  const upstreamEnd = echo.sockets.at(-1)!;
  client.close(4001, 'bye');
  await waitFor('the upstream end to close', () => upstreamEnd.readyState === WebSocket.CLOSED);
  assert.equal(echo.closeCodes.at(-1), 4001);
});

test('closing the upstream end closes the client', async () => {
  const client = await connect('/close-from-upstream');
  const closed = once(client, 'close') as Promise<[number, Buffer]>;
  echo.sockets.at(-1)!.close(4002, 'server says bye');
  const [code, reason] = await closed;
  assert.equal(code, 4002);
  assert.equal(reason.toString(), 'server says bye');
});

test('an upstream that drops the connection drops the client', async () => {
  const client = await connect('/terminate-from-upstream');
  const closed = once(client, 'close');
  echo.sockets.at(-1)!.terminate();
  await closed;
  assert.equal(client.readyState, WebSocket.CLOSED);
});

test('an upstream that resets the connection drops the client cleanly', async () => {
  const client = await connect('/reset-from-upstream');
  const errors: Error[] = [];
  client.on('error', (error) => errors.push(error));
  const closed = once(client, 'close') as Promise<[number, Buffer]>;
  (echo.sockets.at(-1) as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy();
  const [code] = await closed;
  // 1006: the connection dropped. Anything written into the WebSocket stream after the
  // handshake (an HTTP error page) would show up as a protocol error (1002) instead.
  assert.equal(code, 1006);
  assert.deepEqual(errors, []);
});

test('an upgrade the upstream refuses reaches the client as that status', async () => {
  const client = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/refuse`);
  clients.push(client);
  // Ending a handshake that failed is reported as an error; it is the expected outcome here.
  client.on('error', () => {});
  const [, res] = (await once(client, 'unexpected-response')) as [http.ClientRequest, http.IncomingMessage];
  assert.equal(res.statusCode, 401);
  res.resume();
  client.terminate();
});

test('the refusal is a well-formed HTTP answer, body and headers included', async () => {
  const req = http.request(`${gateway.url}/refuse-raw`, {
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
    agent: false,
  });
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="ws"');
  assert.equal(res.headers['x-internal'], undefined);
  assert.deepEqual(res.headers['set-cookie'], ['ws=0; Path=/']);
  const id = res.headers['x-request-id'];
  assert.match(String(id), /^[0-9a-f-]{36}$/);
  assert.equal(body, 'log in first!');
  await waitFor('the access log line', () => gateway.logs().some((line) => line.request_id === id));
  assert.equal(gateway.logs().find((line) => line.request_id === id)?.status, 401);
});

test('after all that the gateway still serves WebSockets and HTTP', async () => {
  const client = await connect('/again');
  client.send('still here');
  assert.equal((await nextMessage(client)).data.toString(), 'still here');
  const res = await fetch(`${gateway.url}/plain`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});
