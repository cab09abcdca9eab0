// S3 and S11 with the lists in Redis, across real gateway processes sharing one redis-server:
// an edit through the Redis editor (what the CLI and the admin page use) reaches both within
// about a second; while Redis is away each keeps its last good lists (and says so); a gateway
// started while Redis is down refuses staff, the app receiving nothing; once Redis is back
// (restarted on the same port, empty) edits reach all three again. Client addresses come
// through X-Forwarded-For from 127.0.0.1, a trusted proxy here.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent } from 'undici';
import type { AllowlistEditor } from '../../src/allowlist/editor.js';
import { createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import type { RedisStoreSettings } from '../../src/store/index.js';
import {
  Browser,
  createClock,
  demoConfigInput,
  type RunningApp,
  STAFF,
  startDemoApp,
} from '../helpers/login-harness.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let redis: RedisServer;
let app: RunningApp;
let editor: AllowlistEditor;
/** The `store` section of the gateways' gateway.yaml. */
let store: Record<string, unknown>;
const gateways: GatewayProcess[] = [];
const dataDirs: string[] = [];
const agent = new Agent();
const clock = createClock();
const staff = { kind: 'list', name: 'staff' } as const;

async function startGateway(): Promise<GatewayProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'allowlist-process-'));
  dataDirs.push(dataDir);
  const gateway = await startGatewayProcess(
    await demoConfigInput({
      upstream: { url: app.appUrl },
      data_dir: dataDir,
      store,
      trusted_proxies: ['127.0.0.1'],
      allowlists: { source: 'redis' },
      logging: { level: 'info' },
    }),
  );
  gateways.push(gateway);
  return gateway;
}

before(async () => {
  redis = await startRedisServer();
  app = await startDemoApp();
  store = { type: 'redis', url: redis.url, prefix: `processes:${randomUUID()}:`, command_timeout: '500ms' };
  editor = createRedisAllowlistEditor({ ...store, command_timeout: 500 } as RedisStoreSettings);
  await editor.add(staff, { cidr: '192.0.2.0/24', note: 'office' });
  await Promise.all([startGateway(), startGateway()]);
});
after(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await editor?.close();
  await agent.close();
  await app?.app.close();
  await redis?.stop();
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const from = (address: string) => ({ 'x-forwarded-for': address });
const loginPosts = () => app.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

/** Bob's login on a gateway from an address: where it sends him (/dashboard) or its status. */
async function loginFrom(gateway: GatewayProcess, address: string): Promise<string | number> {
  const browser = new Browser(gateway.url, agent, clock);
  try {
    const answer = await browser.login(STAFF.user, STAFF.password, { headers: from(address) });
    return answer.location ?? answer.status;
  } catch {
    // The login page itself can be refused while the store is away.
    return 503;
  }
}

/** Bob signed in on a gateway from inside the office list. */
async function sessionOn(gateway: GatewayProcess): Promise<Browser> {
  const browser = new Browser(gateway.url, agent, clock);
  assert.equal(
    (await browser.login(STAFF.user, STAFF.password, { headers: from('192.0.2.10') })).location,
    '/dashboard',
  );
  return browser;
}

test('an edit through the Redis editor reaches both gateway processes within about a second', async (t) => {
  const [a, b] = gateways as [GatewayProcess, GatewayProcess];
  const sessions = [await sessionOn(a), await sessionOn(b)];
  const status = async (browser: Browser) => (await browser.get('/dashboard', from('198.51.100.20'))).status;
  for (const browser of sessions) assert.equal(await status(browser), 403, 'outside the list before the edit');

  const started = Date.now();
  await editor.add(staff, { cidr: '198.51.100.0/24', note: 'second office' });
  const took: number[] = [];
  await Promise.all(
    sessions.map(async (browser) => {
      await waitFor('the added range on this gateway', async () => (await status(browser)) === 200);
      took.push(Date.now() - started);
    }),
  );
  t.diagnostic(`added range in force on both after ${took.join(' and ')} ms`);

  const removed = Date.now();
  assert.equal(await editor.remove(staff, '198.51.100.0/24'), true);
  const tookRemoval: number[] = [];
  await Promise.all(
    sessions.map(async (browser) => {
      await waitFor('the removal on this gateway', async () => (await status(browser)) === 403);
      tookRemoval.push(Date.now() - removed);
    }),
  );
  t.diagnostic(`removal in force on both after ${tookRemoval.join(' and ')} ms`);
});

test('Redis away: the last good lists stay; a gateway started meanwhile refuses staff; once back, edits reach all', async () => {
  const [a, b] = gateways as [GatewayProcess, GatewayProcess];
  await redis.stop();
  for (const gateway of [a, b]) {
    await waitFor('the gateway to say it keeps its last good lists', () =>
      gateway.output().includes('the last good lists stay in force'),
    );
  }

  const c = await startGateway();
  await waitFor('the new gateway to say it has no lists', () =>
    c.output().includes('staff are refused until they load'),
  );
  const before = loginPosts();
  assert.equal(await loginFrom(c, '192.0.2.10'), 503, 'no lists, no store: staff refused');
  assert.equal(loginPosts(), before, 'the password never reached the app');

  // Back, empty (nothing was persisted): an edit made now reaches every gateway, C included.
  await redis.restart();
  // The editor reconnects on its own schedule: its first calls may still fail fast.
  await waitFor('the editor to write again', () =>
    editor.add(staff, { cidr: '203.0.113.0/24', note: 'after the outage' }).then(
      () => true,
      () => false,
    ),
  );
  for (const gateway of [a, b, c]) {
    await waitFor(
      'staff admitted from the new range',
      async () => (await loginFrom(gateway, '203.0.113.5')) === '/dashboard',
    );
    assert.equal(await loginFrom(gateway, '192.0.2.10'), 403, 'the range Redis lost is gone');
  }
});
