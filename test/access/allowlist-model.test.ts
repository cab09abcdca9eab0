// Table tests for the allowlist model (src/config/allowlist-data.ts, src/access/allowlist-verdict.ts): what an entry may be (the one
// check every editor and the config apply), lookups in compiled lists at the edges of their
// ranges, IPv4-mapped IPv6, user lists under canonical names, and the verdict (S3, S11).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowlistVerdict } from '../../src/access/allowlist-verdict.js';
import {
  type AllowlistData,
  type CompiledAllowlists,
  compileAllowlists,
  parseEntry,
  withCanonicalUsers,
  withChange,
} from '../../src/config/allowlist-data.js';
import { compileConfig } from '../../src/config/runtime.js';
import { testConfig } from '../helpers/gateway.js';

describe('parseEntry', () => {
  const accepted: Array<[text: string, note: string | undefined, cidr: string, keptNote?: string]> = [
    ['192.0.2.7', undefined, '192.0.2.7'],
    [' 192.0.2.7 ', 'front desk', '192.0.2.7', 'front desk'],
    ['192.0.2.7/32', undefined, '192.0.2.7'],
    ['10.0.0.0/8', '  office  ', '10.0.0.0/8', 'office'],
    ['0.0.0.0/0', undefined, '0.0.0.0/0'],
    ['2001:DB8::/32', undefined, '2001:db8::/32'],
    ['2001:db8:0:0::1', undefined, '2001:db8::1'],
    ['2001:db8::1/128', undefined, '2001:db8::1'],
    ['::1', '', '::1'],
    ['::/0', undefined, '::/0'],
    ['::ffff:192.0.2.7', undefined, '192.0.2.7'],
    ['::ffff:10.0.0.0/104', undefined, '10.0.0.0/8'],
  ];
  for (const [text, note, cidr, keptNote] of accepted) {
    test(`${JSON.stringify(text)} is ${cidr}`, () => {
      const parsed = parseEntry(text, note);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
      assert.deepEqual(parsed.value, keptNote === undefined ? { cidr } : { cidr, note: keptNote });
    });
  }

  const refused: Array<[text: string, note: string | undefined, message: RegExp]> = [
    ['', undefined, /not an IP address/],
    ['office', undefined, /not an IP address/],
    ['10.0.0.1/8', undefined, /bits set after the \/8 prefix: write 10\.0\.0\.0\/8 .* or 10\.0\.0\.1/],
    ['2001:db8::1/32', undefined, /bits set after the \/32 prefix/],
    ['10.0.0.0/33', undefined, /not an IP address/],
    ['10.0.0.0/-1', undefined, /not an IP address/],
    ['10.0.0.0/', undefined, /not an IP address/],
    ['127.1', undefined, /not an IP address/],
    ['0x7f.0.0.1', undefined, /not an IP address/],
    ['010.0.0.1', undefined, /not an IP address/],
    ['fe80::1%eth0', undefined, /not an IP address/],
    ['10.0.0.1 10.0.0.2', undefined, /not an IP address/],
    ['192.0.2.7', 'x'.repeat(201), /longer than 200/],
    ['192.0.2.7', 'first\nsecond', /one line/],
    ['192.0.2.7', 'tab\there', /one line/],
  ];
  for (const [text, note, message] of refused) {
    test(`${JSON.stringify(text)} with note ${JSON.stringify(note)} is refused`, () => {
      const parsed = parseEntry(text, note);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.message, message);
    });
  }
});

describe('compiled lists', () => {
  const lists = compileAllowlists({
    lists: {
      staff: [
        { cidr: '192.0.2.0/24', note: 'office' },
        { cidr: '198.51.100.7' },
        { cidr: '2001:db8:1::/48', note: 'office v6' },
      ],
    },
    users: { bob: [{ cidr: '203.0.113.9', note: 'home' }] },
  });
  const staff = lists.lists.get('staff');
  const rows: Array<[address: string, inside: boolean]> = [
    ['192.0.2.0', true],
    ['192.0.2.255', true],
    ['192.0.1.255', false],
    ['192.0.3.0', false],
    ['198.51.100.7', true],
    ['198.51.100.6', false],
    ['198.51.100.8', false],
    ['::ffff:192.0.2.1', true],
    ['::ffff:c000:201', true],
    ['::ffff:198.51.100.8', false],
    ['2001:db8:1::', true],
    ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8:0:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db8:2::', false],
    ['2001:DB8:1:0:0:0:0:1', true],
    ['203.0.113.9', false],
    ['not an address', false],
    ['192.0.2', false],
    ['0300.0.2.1', false],
  ];
  for (const [address, inside] of rows) {
    test(`${address} is ${inside ? 'inside' : 'outside'} the staff list`, () => {
      assert.equal(staff?.contains(address), inside);
    });
  }
  test("a user's own list is kept apart", () => {
    assert.equal(lists.users.get('bob')?.contains('203.0.113.9'), true);
    assert.equal(lists.users.get('bob')?.contains('192.0.2.1'), false);
  });
  test('10,000 entries compile and look up exactly at their edges', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/28` }));
    const big = compileAllowlists({ lists: { many: entries }, users: {} }).lists.get('many');
    assert.equal(big?.contains('10.39.15.0'), true);
    assert.equal(big?.contains('10.39.15.15'), true);
    assert.equal(big?.contains('10.39.15.16'), false);
    assert.equal(big?.contains('10.40.0.0'), false);
  });
});

test('user lists are kept under the canonical username; names that canonicalise alike merge', () => {
  const data: AllowlistData = {
    lists: { staff: [{ cidr: '192.0.2.1' }] },
    users: { Bob: [{ cidr: '192.0.2.7' }], ' bob': [{ cidr: '192.0.2.8' }], carol: [{ cidr: '192.0.2.9' }] },
  };
  const canonical = withCanonicalUsers(data, (name) => name.trim().toLowerCase());
  assert.deepEqual(canonical, {
    lists: data.lists,
    users: { bob: [{ cidr: '192.0.2.7' }, { cidr: '192.0.2.8' }], carol: [{ cidr: '192.0.2.9' }] },
  });
});

test('withChange: an add appends or replaces the note of its range; a remove takes it out; the rest is untouched', () => {
  const data: AllowlistData = {
    lists: { staff: [{ cidr: '10.0.0.0/8', note: 'office' }, { cidr: '192.0.2.1' }] },
    users: { bob: [{ cidr: '192.0.2.7' }] },
  };
  const staff = { kind: 'list', name: 'staff' } as const;
  const bob = { kind: 'user', name: 'bob' } as const;
  assert.deepEqual(withChange(data, staff, { kind: 'add', entry: { cidr: '10.0.0.0/8', note: 'HQ' } }), {
    lists: { staff: [{ cidr: '192.0.2.1' }, { cidr: '10.0.0.0/8', note: 'HQ' }] },
    users: data.users,
  });
  assert.deepEqual(withChange(data, { kind: 'user', name: 'carol' }, { kind: 'add', entry: { cidr: '::1' } }).users, {
    bob: [{ cidr: '192.0.2.7' }],
    carol: [{ cidr: '::1' }],
  });
  assert.deepEqual(withChange(data, bob, { kind: 'remove', cidr: '192.0.2.7' }), {
    lists: data.lists,
    users: { bob: [] },
  });
  assert.equal(
    withChange(data, { kind: 'list', name: 'night' }, { kind: 'remove', cidr: '10.0.0.0/8' }),
    data,
    'no empty list appears',
  );
  assert.deepEqual(data.lists.staff?.length, 2, 'the data given is not changed');
});

describe('allowlistVerdict', () => {
  const lists: CompiledAllowlists = compileAllowlists({
    lists: { staff: [{ cidr: '192.0.2.0/24' }], empty: [] },
    users: { bob: [{ cidr: '203.0.113.9' }] },
  });
  const rows: Array<{
    name: string;
    user?: string;
    binding: string | undefined;
    address: string;
    lists?: CompiledAllowlists;
    verdict: ReturnType<typeof allowlistVerdict>;
  }> = [
    {
      name: 'a role bound to no list passes from anywhere',
      binding: undefined,
      address: '198.51.100.1',
      verdict: { allowed: true, via: 'unbound' },
    },
    {
      name: 'unbound passes even when the lists never loaded',
      binding: undefined,
      address: '198.51.100.1',
      lists: undefined,
      verdict: { allowed: true, via: 'unbound' },
    },
    {
      name: "inside the role's list",
      binding: 'staff',
      address: '192.0.2.200',
      verdict: { allowed: true, via: 'list' },
    },
    {
      name: 'IPv4-mapped spelling of an address inside',
      binding: 'staff',
      address: '::ffff:192.0.2.200',
      verdict: { allowed: true, via: 'list' },
    },
    {
      name: "inside the user's own list",
      user: 'bob',
      binding: 'staff',
      address: '203.0.113.9',
      verdict: { allowed: true, via: 'user' },
    },
    {
      name: "another user's own list does not count",
      user: 'carol',
      binding: 'staff',
      address: '203.0.113.9',
      verdict: { allowed: false, reason: 'outside' },
    },
    {
      name: 'outside both',
      user: 'bob',
      binding: 'staff',
      address: '198.51.100.1',
      verdict: { allowed: false, reason: 'outside' },
    },
    {
      name: 'a bound list that does not exist is empty',
      user: 'carol',
      binding: 'nowhere',
      address: '192.0.2.1',
      verdict: { allowed: false, reason: 'outside' },
    },
    {
      name: 'an empty list admits nobody',
      user: 'carol',
      binding: 'empty',
      address: '192.0.2.1',
      verdict: { allowed: false, reason: 'outside' },
    },
    {
      name: "a missing list still admits from the user's own",
      user: 'bob',
      binding: 'nowhere',
      address: '203.0.113.9',
      verdict: { allowed: true, via: 'user' },
    },
    {
      name: 'lists never loaded: refused (S11)',
      binding: 'staff',
      address: '192.0.2.1',
      lists: undefined,
      verdict: { allowed: false, reason: 'not_loaded' },
    },
    {
      name: 'a malformed address is outside',
      binding: 'staff',
      address: '192.0.2.1, 10.0.0.1',
      verdict: { allowed: false, reason: 'outside' },
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const facts = {
        user: row.user ?? 'carol',
        binding: row.binding,
        address: row.address,
        lists: 'lists' in row ? row.lists : lists,
      };
      assert.deepEqual(allowlistVerdict(facts), row.verdict);
    });
  }
});

describe('the policy binds roles to lists', () => {
  test('by default staff are bound to the list named staff and admins to none', async () => {
    const { config } = compileConfig(await testConfig({ upstream: { url: 'http://127.0.0.1:9' } }));
    assert.equal(config.policy.staff?.allowlist, 'staff');
    assert.equal(config.policy.admin?.allowlist, undefined);
  });
  test('admins are bound only when the policy says so', async () => {
    const { config } = compileConfig(
      await testConfig({
        upstream: { url: 'http://127.0.0.1:9' },
        policy: { admin: { second_step: 'required', allowlist: 'admins' } },
      }),
    );
    assert.equal(config.policy.admin?.allowlist, 'admins');
  });
  test("YAML lists compile with the configuration, users' lists under canonical names", async () => {
    const runtime = compileConfig(
      await testConfig({
        upstream: { url: 'http://127.0.0.1:9' },
        login: {
          routes: [{ method: 'POST', path: '/login' }],
          page: '/login',
          failure: { statuses: [401] },
        },
        public_paths: ['/login'],
        allowlists: { lists: { staff: ['192.0.2.0/24'] }, users: { ' BOB ': [{ cidr: '203.0.113.9', note: 'home' }] } },
      }),
    );
    assert.equal(runtime.allowlists?.lists.get('staff')?.contains('192.0.2.1'), true);
    assert.equal(runtime.allowlists?.users.get('bob')?.contains('203.0.113.9'), true);
  });
  test('an entry that does not parse makes the configuration invalid, at its path', async () => {
    await assert.rejects(
      testConfig({ upstream: { url: 'http://127.0.0.1:9' }, allowlists: { lists: { staff: ['10.0.0.1/8'] } } }),
      /allowlists.*staff.*bits set after/s,
    );
  });
});
