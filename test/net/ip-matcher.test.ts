// Table tests for address parsing (src/net/ip.ts) and range matching (src/net/ip-matcher.ts):
// strict spellings only, ranges compiled once, edges exact, malformed lookups never match.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeAddress, parseAddress } from '../../src/net/ip.js';
import { createIpMatcher, parseCidr } from '../../src/net/ip-matcher.js';

describe('parseAddress / normalizeAddress', () => {
  const accepted: Array<[text: string, canonical: string, kind: 'ipv4' | 'ipv6']> = [
    ['10.0.0.1', '10.0.0.1', 'ipv4'],
    ['0.0.0.0', '0.0.0.0', 'ipv4'],
    ['255.255.255.255', '255.255.255.255', 'ipv4'],
    ['::1', '::1', 'ipv6'],
    ['::', '::', 'ipv6'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', 'ipv6'],
    ['2001:db8::0:1', '2001:db8::1', 'ipv6'],
    ['::ffff:10.0.0.1', '10.0.0.1', 'ipv4'],
    ['::FFFF:10.0.0.1', '10.0.0.1', 'ipv4'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1', 'ipv4'],
    ['::ffff:a00:1', '10.0.0.1', 'ipv4'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201', 'ipv6'],
  ];
  for (const [text, canonical, kind] of accepted) {
    test(`${JSON.stringify(text)} is ${kind} ${canonical}`, () => {
      assert.equal(parseAddress(text)?.kind(), kind);
      assert.equal(normalizeAddress(text), canonical);
    });
  }

  const refused = [
    '',
    ' 10.0.0.1',
    '10.0.0.1 ',
    '1.2.3',
    '127.1',
    '0x7f.0.0.1',
    '0177.0.0.1',
    '010.0.0.1',
    '2130706433',
    '1.2.3.256',
    '1.2.3.4.5',
    '1.2.3.4:80',
    '[::1]',
    'fe80::1%eth0',
    '::1%1',
    '1::2::3',
    '::ffff:0x7f.0.0.1',
    '::ffff:127.1',
    '::ffff:010.0.0.1',
    '::1.2.3.4',
    '10.0.0.0/8',
    'localhost',
    'garbage',
  ];
  for (const text of refused) {
    test(`${JSON.stringify(text)} is refused`, () => {
      assert.equal(parseAddress(text), undefined);
      assert.equal(normalizeAddress(text), undefined);
    });
  }
});

describe('parseCidr', () => {
  const v4 = (a: number, b: number, c: number, d: number) => BigInt(((a * 256 + b) * 256 + c) * 256 + d);
  const rows: Array<[text: string, family: 'ipv4' | 'ipv6', start: bigint, end: bigint]> = [
    ['10.0.0.0/8', 'ipv4', v4(10, 0, 0, 0), v4(10, 255, 255, 255)],
    ['10.1.2.3', 'ipv4', v4(10, 1, 2, 3), v4(10, 1, 2, 3)],
    ['10.1.2.3/32', 'ipv4', v4(10, 1, 2, 3), v4(10, 1, 2, 3)],
    ['0.0.0.0/0', 'ipv4', 0n, 0xffffffffn],
    ['192.168.1.128/25', 'ipv4', v4(192, 168, 1, 128), v4(192, 168, 1, 255)],
    // Host bits set: the range is the network the address lies in.
    ['10.1.2.3/8', 'ipv4', v4(10, 0, 0, 0), v4(10, 255, 255, 255)],
    ['192.168.1.200/25', 'ipv4', v4(192, 168, 1, 128), v4(192, 168, 1, 255)],
    ['::ffff:10.0.0.0/104', 'ipv4', v4(10, 0, 0, 0), v4(10, 255, 255, 255)],
    ['::ffff:10.1.2.3/128', 'ipv4', v4(10, 1, 2, 3), v4(10, 1, 2, 3)],
    ['::ffff:10.1.2.3', 'ipv4', v4(10, 1, 2, 3), v4(10, 1, 2, 3)],
    ['::/0', 'ipv6', 0n, (1n << 128n) - 1n],
    ['::1/128', 'ipv6', 1n, 1n],
    ['::1', 'ipv6', 1n, 1n],
    ['2001:db8::/32', 'ipv6', 0x20010db8n << 96n, (0x20010db8n << 96n) + (1n << 96n) - 1n],
    ['2001:db8::1/32', 'ipv6', 0x20010db8n << 96n, (0x20010db8n << 96n) + (1n << 96n) - 1n],
  ];
  for (const [text, family, start, end] of rows) {
    test(`${text} is ${family} [${start}, ${end}]`, () => {
      assert.deepEqual(parseCidr(text), { family, start, end });
    });
  }

  const refused = [
    '',
    '/8',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/ 8',
    '10.0.0.0 /8',
    '10.0.0.0/8/8',
    '10.0.0.0/1000',
    '10.0.0.0/8.0',
    '10.0.0.0/0x8',
    '10.0.0/8',
    '127.1/32',
    '0x0a.0.0.0/8',
    '2001:db8::/129',
    '::ffff:10.0.0.0/95',
    '::ffff:10.0.0.0/8',
    'fe80::%eth0/64',
    '[::1]/128',
    'garbage/8',
  ];
  for (const text of refused) {
    test(`${JSON.stringify(text)} is refused`, () => {
      assert.equal(parseCidr(text), undefined);
    });
  }
});

describe('createIpMatcher', () => {
  test('refuses a list with any malformed entry, naming it', () => {
    for (const bad of ['10.0.0.0/33', '127.1', '', 'fe80::1%eth0', '::ffff:0x7f.0.0.1']) {
      assert.throws(
        () => createIpMatcher(['10.0.0.0/8', bad]),
        (error: Error) => error.message.includes(`"${bad}"`),
      );
    }
  });

  const matcher = createIpMatcher([
    '10.0.0.0/8',
    '192.168.1.7',
    '172.16.0.0/12',
    '2001:db8::/32',
    '::1',
    '::ffff:100.64.0.0/106',
  ]);
  const lookups: Array<[address: string, inside: boolean]> = [
    // First and last address of each range, and their neighbours outside.
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['9.255.255.255', false],
    ['11.0.0.0', false],
    ['172.16.0.0', true],
    ['172.31.255.255', true],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['192.168.1.7', true],
    ['192.168.1.6', false],
    ['192.168.1.8', false],
    ['100.64.0.0', true],
    ['100.127.255.255', true],
    ['100.128.0.0', false],
    ['2001:db8::', true],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db9::', false],
    ['::1', true],
    ['::2', false],
    ['::', false],
    // IPv4-mapped lookups are their IPv4 address.
    ['::ffff:10.1.2.3', true],
    ['::ffff:a01:203', true],
    ['::ffff:11.0.0.0', false],
    ['::ffff:100.64.0.1', true],
    // Any strict spelling of an IPv6 address.
    ['2001:DB8:0:0:0:0:0:1', true],
    ['0:0:0:0:0:0:0:1', true],
    // Malformed lookups never match, even when a lenient parser would land inside a range.
    ['10.1', false],
    ['012.0.0.1', false],
    ['0x0a.0.0.1', false],
    ['167772161', false],
    ['10.0.0.1:80', false],
    ['[::1]', false],
    ['::1%lo', false],
    ['::ffff:0x0a.0.0.1', false],
    ['10.0.0.1 ', false],
    ['', false],
    ['garbage', false],
  ];
  for (const [address, inside] of lookups) {
    test(`${JSON.stringify(address)} ${inside ? 'is' : 'is not'} in the list`, () => {
      assert.equal(matcher.contains(address), inside);
    });
  }

  test('/0 matches every address of its family and none of the other', () => {
    const allV4 = createIpMatcher(['0.0.0.0/0']);
    assert.equal(allV4.contains('0.0.0.0'), true);
    assert.equal(allV4.contains('255.255.255.255'), true);
    assert.equal(allV4.contains('::ffff:1.2.3.4'), true);
    assert.equal(allV4.contains('::1'), false);
    const allV6 = createIpMatcher(['::/0']);
    assert.equal(allV6.contains('::'), true);
    assert.equal(allV6.contains('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    // An IPv4-mapped address is IPv4 here, as it is for the client address (S7).
    assert.equal(allV6.contains('::ffff:1.2.3.4'), false);
    assert.equal(allV6.contains('1.2.3.4'), false);
  });

  test('/32 and /128 match exactly one address', () => {
    const one = createIpMatcher(['203.0.113.5/32', '2001:db8::5/128']);
    assert.deepEqual(
      ['203.0.113.4', '203.0.113.5', '203.0.113.6', '2001:db8::4', '2001:db8::5', '2001:db8::6'].map((a) =>
        one.contains(a),
      ),
      [false, true, false, false, true, false],
    );
  });

  test('overlapping, nested, adjacent and duplicated ranges merge without losing an address', () => {
    const merged = createIpMatcher([
      '10.0.0.0/24',
      '10.0.0.128/25', // nested
      '10.0.0.200/29', // nested
      '10.0.1.0/24', // adjacent
      '10.0.1.255', // inside
      '10.0.2.0/23', // adjacent again: 10.0.0.0 - 10.0.3.255 in all
      '10.0.0.0/24', // duplicate
      '10.0.5.0/24', // a gap before it
      '10.0.4.128/25', // overlaps nothing, adjacent to 10.0.5.0/24
      '2001:db8::/64',
      '2001:db8:0:1::/64', // adjacent IPv6
      '2001:db8::8000/113', // nested IPv6
    ]);
    const rows: Array<[string, boolean]> = [
      ['9.255.255.255', false],
      ['10.0.0.0', true],
      ['10.0.0.255', true],
      ['10.0.1.0', true],
      ['10.0.3.255', true],
      ['10.0.4.0', false],
      ['10.0.4.127', false],
      ['10.0.4.128', true],
      ['10.0.5.255', true],
      ['10.0.6.0', false],
      ['2001:db8::', true],
      ['2001:db8:0:1:ffff:ffff:ffff:ffff', true],
      ['2001:db8:0:2::', false],
    ];
    for (const [address, inside] of rows) assert.equal(merged.contains(address), inside, address);
    assert.equal(merged.size, 12);
  });

  test('an empty list matches nothing', () => {
    const empty = createIpMatcher([]);
    assert.equal(empty.size, 0);
    for (const address of ['0.0.0.0', '127.0.0.1', '::', '::1', '::ffff:127.0.0.1']) {
      assert.equal(empty.contains(address), false, address);
    }
  });

  test('a 10,000-entry list answers every lookup correctly', () => {
    // 10.x.y.0/28 for 5,000 values of (x, y) and 5,000 single IPv6 addresses, shuffled.
    const entries: string[] = [];
    const v4Inside: string[] = [];
    const v4Outside: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = i >> 8;
      const y = i & 255;
      entries.push(`10.${x}.${y}.0/28`);
      v4Inside.push(`10.${x}.${y}.0`, `10.${x}.${y}.15`);
      v4Outside.push(`10.${x}.${y}.16`, `10.${x}.${y}.255`);
    }
    const v6Inside: string[] = [];
    const v6Outside: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      entries.push(`2001:db8::${(i * 2).toString(16)}`);
      v6Inside.push(`2001:db8::${(i * 2).toString(16)}`);
      v6Outside.push(`2001:db8::${(i * 2 + 1).toString(16)}`);
    }
    // A fixed permutation, so that the matcher cannot rely on sorted input.
    for (let i = entries.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [entries[i], entries[j]] = [entries[j] as string, entries[i] as string];
    }
    const big = createIpMatcher(entries);
    assert.equal(big.size, 10_000);
    for (const address of [...v4Inside, ...v6Inside]) assert.equal(big.contains(address), true, address);
    for (const address of [...v4Outside, ...v6Outside]) assert.equal(big.contains(address), false, address);
    for (const address of ['9.255.255.255', '10.19.136.0', '11.0.0.0', '2001:db8::2710', '::1']) {
      assert.equal(big.contains(address), false, address);
    }
  });
});
