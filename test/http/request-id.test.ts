// Request ids are unique per request, in RFC 9562's UUIDv8 layout, across sources (processes)
// and past the end of a random part's counter.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestIds } from '../../src/http/request-id.js';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ids are UUIDv8 and never repeat, within a source and across sources', () => {
  const seen = new Set<string>();
  for (const next of [requestIds(), requestIds()]) {
    for (let i = 0; i < 10_000; i++) {
      const id = next();
      assert.match(id, UUID_V8);
      assert.ok(!seen.has(id), id);
      seen.add(id);
    }
  }
});

test('a source whose counter runs out draws a new random part', () => {
  const next = requestIds(4);
  const ids = Array.from({ length: 9 }, next);
  assert.equal(new Set(ids).size, 9);
  const parts = new Set(ids.map((id) => id.slice(0, 24)));
  assert.equal(parts.size, 3);
  for (const id of ids) assert.match(id, UUID_V8);
});
