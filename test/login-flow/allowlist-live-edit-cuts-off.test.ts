// S3 for open sessions: a list edit cuts off a staff session's open keep-alive connection (the
// next request on the same connection is refused) and its open WebSocket (closed with 1008 by
// the gateway's sweep) within a couple of seconds, whether the lists are kept in gateway.yaml
// (the edit is a reload of the file) or in Redis (an edit through the Redis editor). The
// session itself is not ended: once the address is listed again, it works again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { AllowlistEditor } from '../../src/allowlist/editor.js';
import { createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import type { RedisStoreSettings } from '../../src/store/index.js';
import { type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

/** One keep-alive connection to the gateway: every request goes over the same socket. */
function keepAliveClient(baseUrl: string, cookie: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    get(path: string): Promise<{ status: number; localPort: number | undefined }> {
      return new Promise((resolve, reject) => {
        const req = http.get(`${baseUrl}${path}`, { agent, headers: { cookie, accept: 'text/html' } }, (res) => {
          const localPort = res.socket.localPort;
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, localPort }));
        });
        req.once('error', reject);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Opens the demo app's WebSocket for a session; resolves once the app greeted, with the close code to come. */
function openSocket(
  harness: LoginHarness,
  browser: Browser,
): Promise<{ socket: WebSocket; code: () => number | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${harness.gatewayUrl.replace(/^http/, 'ws')}/ws`, {
      headers: { cookie: browser.cookieHeader() },
    });
    let code: number | undefined;
    socket.once('close', (closed) => {
      code = closed;
    });
    socket.once('message', () => resolve({ socket, code: () => code }));
    socket.once('error', reject);
  });
}

const websocketRefusals = (harness: LoginHarness) =>
  harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"event":"allowlist.refused"') && line.includes('"stage":"websocket"'));

/** Logs bob in, opens a keep-alive connection and a WebSocket, cuts them off with `cut`, then lists him again with `restore`. */
async function cutOffAndRestore(
  harness: LoginHarness,
  cut: () => Promise<void>,
  restore: () => Promise<void>,
): Promise<void> {
  const browser = harness.browser();
  assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const client = keepAliveClient(harness.gatewayUrl, browser.cookieHeader());
  const { socket, code } = await openSocket(harness, browser);
  try {
    const first = await client.get('/dashboard');
    assert.equal(first.status, 200);

    await cut();
    let last = first;
    await waitFor('the keep-alive connection to be refused', async () => {
      last = await client.get('/dashboard');
      return last.status === 403;
    });
    assert.equal(last.localPort, first.localPort, 'refused on the same keep-alive connection');
    await waitFor('the WebSocket to be closed', () => code() !== undefined);
    assert.equal(code(), 1008);
    assert.equal(websocketRefusals(harness).length >= 1, true, 'an audit event for the closed WebSocket');
    const seen = harness.received.length;
    assert.equal((await client.get('/dashboard')).status, 403, 'and stays refused');
    assert.equal(harness.received.length, seen, 'a refused request never reaches the app');

    await restore();
    await waitFor('the session to work again', async () => (await client.get('/dashboard')).status === 200);
  } finally {
    socket.terminate();
    client.close();
  }
}

describe('lists in gateway.yaml: an edit of the file', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await startLoginHarness({
      liveConfig: true,
      overrides: { allowlists: { lists: { staff: [{ cidr: '127.0.0.1', note: 'this machine' }, '192.0.2.0/24'] } } },
    });
  });
  after(() => harness?.close());

  test('removing the address cuts off the open keep-alive connection and the WebSocket', async () => {
    await cutOffAndRestore(
      harness,
      () => harness.editConfig({ allowlists: { lists: { staff: ['192.0.2.0/24'] } } }),
      () => harness.editConfig({ allowlists: { lists: { staff: ['127.0.0.1', '192.0.2.0/24'] } } }),
    );
  });

  test("moving a user's own list applies the same way", async () => {
    await harness.editConfig({ allowlists: { lists: { staff: [] }, users: { bob: ['127.0.0.1'] } } });
    await cutOffAndRestore(
      harness,
      () => harness.editConfig({ allowlists: { lists: { staff: [] }, users: { bob: ['198.51.100.7'] } } }),
      () => harness.editConfig({ allowlists: { lists: { staff: [] }, users: { bob: ['127.0.0.1'] } } }),
    );
  });
});

describe('lists in Redis: an edit through the Redis editor', () => {
  let redis: RedisServer;
  let harness: LoginHarness;
  let editor: AllowlistEditor;
  const staff = { kind: 'list', name: 'staff' } as const;

  before(async () => {
    redis = await startRedisServer();
    const store = { type: 'redis', url: redis.url, prefix: `live:${randomUUID()}:` };
    editor = createRedisAllowlistEditor(store as RedisStoreSettings);
    await editor.add(staff, { cidr: '127.0.0.1', note: 'this machine' });
    harness = await startLoginHarness({ overrides: { store, allowlists: { source: 'redis' } } });
  });
  after(async () => {
    await harness?.close();
    await editor?.close();
    await redis?.stop();
  });

  test('removing the address cuts off the open keep-alive connection and the WebSocket', async () => {
    await cutOffAndRestore(
      harness,
      async () => {
        assert.equal(await editor.remove(staff, '127.0.0.1'), true);
      },
      () => editor.add(staff, { cidr: '127.0.0.0/8', note: 'loopback' }),
    );
  });
});
