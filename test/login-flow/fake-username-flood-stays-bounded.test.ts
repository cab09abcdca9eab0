// Issue 13, S15: a flood of wrong passwords for made-up usernames costs the store little and
// locks out no real user (Tinyauth's advisory: 257 fake usernames caused a global lockout).
// From one address, the flood locks that address after address_users names, and costs no
// write after that; from many addresses, each attempt leaves at most two keys (and two per address), every one with
// a time-to-live within the limits' window or duration, so the store drains as fast as it
// fills. A real user signs in meanwhile. Keys are counted in a real Redis. (A login's claim on
// the visitor's app cookies is the cookie vault's: it has the sealed cookie's lifetime, and a
// refused login gives it back, S14; it is counted apart here.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { AUDIT_TRAIL_SIZE } from '../../src/ops/audit-trail.js';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let client: Redis;
let harness: LoginHarness;
const prefix = `flood:${randomUUID()}:`;
const ADDRESS_USERS = 20;
const LONGEST_TTL_MS = 15 * 60_000;

before(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url);
  harness = await startLoginHarness({
    overrides: {
      store: { type: 'redis', url: redis.url, prefix },
      trusted_proxies: ['127.0.0.1'],
      limits: { password: { failures: 10, user_failures: 20, address_users: ADDRESS_USERS } },
    },
  });
});
after(async () => {
  await harness?.close();
  client?.disconnect();
  await redis?.stop();
});

const TRAIL = 'audit:recent';

/** The gateway's keys in Redis but the cookie vault's claims and the audit trail, with their time-to-live in ms (-1: none). */
async function keys(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const key of await client.keys(`${prefix}*`)) {
    const name = key.slice(prefix.length);
    if (!name.startsWith('claim') && name !== TRAIL) found.set(name, await client.pttl(key));
  }
  assert.ok((await client.llen(`${prefix}${TRAIL}`)) <= AUDIT_TRAIL_SIZE, 'the audit trail stays capped');
  return found;
}

/** Wrong passwords for `names`, 20 at a time, each from the address `addressOf` gives it. */
async function flood(names: string[], addressOf: (i: number) => string) {
  const statuses: number[] = [];
  for (let i = 0; i < names.length; i += 20) {
    const batch = names
      .slice(i, i + 20)
      .map((name, j) =>
        harness.browser().login(name, 'Summer2026!', { headers: { 'x-forwarded-for': addressOf(i + j) } }),
      );
    statuses.push(...(await Promise.all(batch)).map((answer) => answer.status));
  }
  return statuses;
}

test('300 fake names from one address: the address locks, the keys stop growing, every key drains', async () => {
  const before = await keys();
  const names = Array.from({ length: 300 }, (_, i) => `fake-${randomUUID()}-${i}`);
  const statuses = await flood(names, () => '198.51.100.200');
  assert.ok(statuses.filter((status) => status === 429).length >= 300 - ADDRESS_USERS - 20, 'refused once locked');
  const after = await keys();
  // Two counters per name that got through, plus the address's two sets and its lock.
  const added = after.size - before.size;
  assert.ok(added <= 2 * (ADDRESS_USERS + 20) + 3, `${added} keys for 300 names`);
  for (const [key, ttl] of after) {
    if (!before.has(key)) assert.ok(ttl > 0 && ttl <= LONGEST_TTL_MS, `${key} has TTL ${ttl}`);
  }
});

test('300 fake names from 150 addresses: at most two keys each and two per address, all draining; no real user locked', async () => {
  const before = await keys();
  const names = Array.from({ length: 300 }, (_, i) => `bot-${randomUUID()}-${i}`);
  const statuses = await flood(names, (i) => `203.0.113.${(i % 150) + 1}`);
  assert.ok(
    statuses.every((status) => status === 200),
    'wrong passwords, none locked',
  );
  const added = [...(await keys())].filter(([key]) => !before.has(key));
  assert.ok(added.length <= 2 * 300 + 2 * 150, `${added.length} keys for 300 names`);
  for (const [key, ttl] of added) assert.ok(ttl > 0 && ttl <= LONGEST_TTL_MS, `${key} has TTL ${ttl}`);

  const real = await harness
    .browser()
    .login(STAFF.user, STAFF.password, { headers: { 'x-forwarded-for': '192.0.2.5' } });
  assert.equal(real.location, '/dashboard', 'a real user signs in');
});
