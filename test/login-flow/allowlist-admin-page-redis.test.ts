// The allowlists' admin page with allowlists.source: redis: the page edits the lists in Redis
// (no file involved), the gateway's lists in force follow through Redis, and the page names
// Redis as where the lists are kept; its editor is one Redis connection for every request.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { compileConfig } from '../../src/config/runtime.js';
import { type CliFixture, startCliFixture } from '../helpers/cli.js';
import type { Browser } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

const PAGE = '/_gateway/admin/allowlists';

let fixture: CliFixture;
let admin: Browser;

before(async () => {
  fixture = await startCliFixture({ allowlists: { source: 'redis' } });
  ({ browser: admin } = await fixture.harness.enrollAdmin());
});
after(() => fixture?.close());

function gatewayAdmits(address: string): boolean {
  const { harness } = fixture;
  const lists = harness.gateway.login?.allowlists.current(compileConfig(harness.config));
  return lists?.lists.get('staff')?.contains(address) ?? false;
}

test('the page adds and removes entries in Redis, and the gateway follows', async () => {
  const page = await admin.get(PAGE);
  assert.equal(page.status, 200);
  assert.match(page.text, /Kept in Redis, shared by every gateway/);
  const csrf = await admin.gatewayCsrf(PAGE);

  const added = await admin.post(`${PAGE}/add`, {
    csrf_token: csrf,
    kind: 'list',
    name: 'staff',
    cidr: '203.0.113.0/24',
    note: 'branch',
  });
  assert.equal(added.status, 200);
  assert.match(added.text, /<li><code>203\.0\.113\.0\/24<\/code><span class="note">branch<\/span>/);
  await waitFor('the gateway to admit the added range', () => gatewayAdmits('203.0.113.5'));

  const removed = await admin.post(`${PAGE}/remove`, {
    csrf_token: csrf,
    kind: 'list',
    name: 'staff',
    cidr: '203.0.113.0/24',
  });
  assert.equal(removed.status, 200);
  assert.doesNotMatch(removed.text, /203\.0\.113\.0\/24<\/code>/);
  await waitFor('the gateway to drop the removed range', () => !gatewayAdmits('203.0.113.5'));
  const events = fixture.harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"event":"allowlist.entry_'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    events.map((event) => [event.event, event.source, event.cidr]),
    [
      ['allowlist.entry_added', 'redis', '203.0.113.0/24'],
      ['allowlist.entry_removed', 'redis', '203.0.113.0/24'],
    ],
  );
});

test('the page keeps one Redis connection for its edits, not one per request', async () => {
  const url = (fixture.harness.config.store as { url: string }).url;
  const raw = new Redis(url);
  // Connections Redis ever accepted: a connection opened and closed by each request would count.
  const clients = async () => Number(/total_connections_received:(\d+)/.exec(await raw.info('stats'))?.[1]);
  try {
    assert.equal((await admin.get(PAGE)).status, 200);
    const before = await clients();
    for (let i = 0; i < 5; i++) assert.equal((await admin.get(PAGE)).status, 200);
    assert.equal(await clients(), before);
  } finally {
    raw.disconnect();
  }
});
