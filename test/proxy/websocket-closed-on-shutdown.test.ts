// A graceful stop closes every open proxied WebSocket with status 1001 (going away,
// RFC 6455 7.4.1) towards the client and towards the upstream, instead of cutting them.

import assert from 'node:assert/strict';
import { once } from 'node:events';
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

test('shutdown closes open WebSockets with 1001 both ways', async () => {
  const closes: Array<Promise<[number, Buffer]>> = [];
  for (const path of ['/one', '/two']) {
    const client = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}${path}`);
    clients.push(client);
    await once(client, 'open');
    client.send('ping');
    await once(client, 'message');
    closes.push(once(client, 'close') as Promise<[number, Buffer]>);
  }
  assert.equal(gateway.gateway.webSockets.size, 2);

  await gateway.close();
  const codes = (await Promise.all(closes)).map(([code]) => code);
  assert.deepEqual(codes, [1001, 1001]);
  await waitFor('both upstream ends to close', () => echo.closeCodes.length === 2);
  assert.deepEqual(echo.closeCodes, [1001, 1001]);
  assert.equal(gateway.gateway.webSockets.size, 0);
});
