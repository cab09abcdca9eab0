// Table tests for S7: the client is the socket peer unless that peer is a trusted proxy;
// only then is X-Forwarded-For read, right to left, skipping trusted hops. A malformed
// entry from a trusted proxy is never trusted (the request is refused, S11).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseForwardedFor, resolveClientAddress } from '../../src/http/client-ip.js';
import { readAddress } from '../../src/net/ip.js';
import { createIpMatcher } from '../../src/net/ip-matcher.js';

const trusted = createIpMatcher(['10.0.0.0/8', '192.168.1.1', 'fd00::/8']);
const nobody = createIpMatcher([]);

interface Row {
  name: string;
  peer: string;
  /** The peer in canonical text, when it differs from how the socket wrote it. */
  peerAs?: string;
  xff?: string | string[];
  address: string;
  trustedPeer: boolean;
  forwardedFor: string[];
}

describe('resolveClientAddress', () => {
  const rows: Row[] = [
    {
      name: 'untrusted peer without X-Forwarded-For is the client',
      peer: '203.0.113.9',
      address: '203.0.113.9',
      trustedPeer: false,
      forwardedFor: ['203.0.113.9'],
    },
    {
      name: 'untrusted peer: its X-Forwarded-For is ignored entirely',
      peer: '203.0.113.9',
      xff: '198.51.100.1',
      address: '203.0.113.9',
      trustedPeer: false,
      forwardedFor: ['203.0.113.9'],
    },
    {
      name: 'untrusted peer: a malformed X-Forwarded-For is not even parsed',
      peer: '203.0.113.9',
      xff: 'garbage, 0x7f.0.0.1, , [::1]',
      address: '203.0.113.9',
      trustedPeer: false,
      forwardedFor: ['203.0.113.9'],
    },
    {
      name: 'untrusted peer claiming a trusted address in X-Forwarded-For',
      peer: '203.0.113.9',
      xff: '10.0.0.5',
      address: '203.0.113.9',
      trustedPeer: false,
      forwardedFor: ['203.0.113.9'],
    },
    {
      name: 'trusted peer without X-Forwarded-For is the client',
      peer: '10.0.0.1',
      address: '10.0.0.1',
      trustedPeer: true,
      forwardedFor: ['10.0.0.1'],
    },
    {
      name: 'trusted peer: the rightmost entry is the client',
      peer: '10.0.0.1',
      xff: '198.51.100.1',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['198.51.100.1', '10.0.0.1'],
    },
    {
      name: 'trusted peer: entries left of the first untrusted one are the client’s own claims',
      peer: '10.0.0.1',
      xff: '1.1.1.1, 2.2.2.2, 198.51.100.1',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['1.1.1.1', '2.2.2.2', '198.51.100.1', '10.0.0.1'],
    },
    {
      name: 'several trusted hops are skipped right to left',
      peer: '10.0.0.1',
      xff: '1.1.1.1, 198.51.100.1, 192.168.1.1, 10.9.9.9',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['1.1.1.1', '198.51.100.1', '192.168.1.1', '10.9.9.9', '10.0.0.1'],
    },
    {
      name: 'every hop trusted: the leftmost entry is the client',
      peer: '10.0.0.1',
      xff: '10.1.1.1, 192.168.1.1, 10.2.2.2',
      address: '10.1.1.1',
      trustedPeer: true,
      forwardedFor: ['10.1.1.1', '192.168.1.1', '10.2.2.2', '10.0.0.1'],
    },
    {
      name: 'several X-Forwarded-For header lines are one list, in order',
      peer: '10.0.0.1',
      xff: ['1.1.1.1, 198.51.100.1', '10.3.3.3'],
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['1.1.1.1', '198.51.100.1', '10.3.3.3', '10.0.0.1'],
    },
    {
      name: 'a later header line is nearer than an earlier one',
      peer: '10.0.0.1',
      xff: ['198.51.100.1', '198.51.100.2'],
      address: '198.51.100.2',
      trustedPeer: true,
      forwardedFor: ['198.51.100.1', '198.51.100.2', '10.0.0.1'],
    },
    {
      name: 'an IPv4-mapped IPv6 peer is its IPv4 address, and trusted as such',
      peer: '::ffff:10.0.0.1',
      peerAs: '10.0.0.1',
      xff: '198.51.100.1',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['198.51.100.1', '10.0.0.1'],
    },
    {
      name: 'an IPv4-mapped IPv6 untrusted peer is normalised',
      peer: '::ffff:203.0.113.9',
      peerAs: '203.0.113.9',
      xff: '198.51.100.1',
      address: '203.0.113.9',
      trustedPeer: false,
      forwardedFor: ['203.0.113.9'],
    },
    {
      name: 'IPv4-mapped entries are normalised and trusted hops among them skipped',
      peer: '10.0.0.1',
      xff: '::ffff:198.51.100.1, ::FFFF:10.0.0.7',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['198.51.100.1', '10.0.0.7', '10.0.0.1'],
    },
    {
      name: 'IPv6 peer and entries, canonical text',
      peer: 'fd00:0:0:0:0:0:0:1',
      peerAs: 'fd00::1',
      xff: '2001:DB8:0:0:0:0:0:1, fd00::2',
      address: '2001:db8::1',
      trustedPeer: true,
      forwardedFor: ['2001:db8::1', 'fd00::2', 'fd00::1'],
    },
    {
      name: 'spaces around entries are allowed',
      peer: '10.0.0.1',
      xff: '  198.51.100.1 ,10.0.0.2  ',
      address: '198.51.100.1',
      trustedPeer: true,
      forwardedFor: ['198.51.100.1', '10.0.0.2', '10.0.0.1'],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const result = resolveClientAddress(row.peer, row.xff, trusted);
      assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
      assert.deepEqual(result.client, {
        address: row.address,
        // The key is the resolved address read once, for the allowlists.
        key: readAddress(row.address)?.key,
        peer: row.peerAs ?? row.peer,
        trustedPeer: row.trustedPeer,
        forwardedFor: row.forwardedFor,
      });
    });
  }

  test('`::ffff:10.0.0.1` and `10.0.0.1` are the same peer', () => {
    const mapped = resolveClientAddress('::ffff:10.0.0.1', '198.51.100.1', trusted);
    const plain = resolveClientAddress('10.0.0.1', '198.51.100.1', trusted);
    assert.deepEqual(mapped, plain);
  });

  test('with no trusted proxies configured, no header is ever believed', () => {
    const result = resolveClientAddress('10.0.0.1', '198.51.100.1', nobody);
    assert.ok(result.ok);
    assert.equal(result.client.address, '10.0.0.1');
    assert.equal(result.client.trustedPeer, false);
  });

  const malformedEntries = [
    '',
    ' ',
    '1.2.3',
    '0x7f.0.0.1',
    '127.1',
    '2130706433',
    '010.0.0.1',
    '1.2.3.256',
    '1.2.3.4.5',
    '1.2.3.4:80',
    '[::1]',
    '[::1]:443',
    'fe80::1%eth0',
    '::ffff:0x7f.0.0.1',
    '::ffff:127.1',
    '::ffff:010.0.0.1',
    '::198.51.100.1',
    '1::2::3',
    'garbage',
    'unknown',
    '_hidden',
    '1.2.3.4 5.6.7.8',
    '1.2.3.4;5.6.7.8',
    'for=1.2.3.4',
  ];
  for (const entry of malformedEntries) {
    test(`a trusted peer's malformed entry ${JSON.stringify(entry)} is not trusted`, () => {
      for (const xff of [entry, `198.51.100.1, ${entry}`, `${entry}, 198.51.100.1`, ['198.51.100.1', entry]]) {
        const result = resolveClientAddress('10.0.0.1', xff, trusted);
        assert.equal(result.ok, false, `expected ${JSON.stringify(xff)} to be refused`);
        if (!result.ok) assert.match(result.reason, /X-Forwarded-For/);
      }
    });
  }

  test('empty list items (leading, trailing, doubled commas) are malformed', () => {
    for (const xff of [',198.51.100.1', '198.51.100.1,', '198.51.100.1,,10.0.0.2', ['198.51.100.1', '']]) {
      assert.equal(resolveClientAddress('10.0.0.1', xff, trusted).ok, false, JSON.stringify(xff));
    }
  });

  test('a missing or malformed peer address is refused', () => {
    for (const peer of [undefined, '', 'garbage', 'fe80::1%eth0']) {
      const result = resolveClientAddress(peer, undefined, trusted);
      assert.equal(result.ok, false, JSON.stringify(peer));
    }
  });
});

describe('resolveClientAddress, a peer read again', () => {
  test('a peer seen before (remembered) resolves as the first time, and a malformed one is refused every time', () => {
    const first = resolveClientAddress('192.0.2.7', '198.51.100.1', trusted);
    assert.deepEqual(resolveClientAddress('192.0.2.7', '198.51.100.1', trusted), first);
    const viaProxy = resolveClientAddress('10.0.0.9', '198.51.100.1', trusted);
    assert.deepEqual(resolveClientAddress('10.0.0.9', '198.51.100.1', trusted), viaProxy);
    assert.ok(viaProxy.ok && viaProxy.client.address === '198.51.100.1');
    for (let i = 0; i < 2; i++) assert.equal(resolveClientAddress('0x7f.0.0.1', undefined, trusted).ok, false);
  });
});

describe('parseForwardedFor', () => {
  test('normalises each entry and keeps the order', () => {
    assert.deepEqual(
      parseForwardedFor('1.1.1.1, ::ffff:2.2.2.2,2001:db8::0:1')?.map((hop) => hop.text),
      ['1.1.1.1', '2.2.2.2', '2001:db8::1'],
    );
  });
  test('joins several header lines', () => {
    assert.deepEqual(
      parseForwardedFor(['1.1.1.1', '2.2.2.2, 3.3.3.3'])?.map((hop) => hop.text),
      ['1.1.1.1', '2.2.2.2', '3.3.3.3'],
    );
  });
  test('a malformed entry anywhere makes the whole header undefined', () => {
    assert.equal(parseForwardedFor('1.1.1.1, 127.1, 3.3.3.3'), undefined);
  });
});
