// Trusted browsers (issue 15): ending them all when the user's second step changes removes every
// trust the user's list names, says how many were still alive, and leaves other users' alone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTrustedBrowsers } from '../../src/factors/trusted-browsers.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

test('revokeAll ends every trusted browser of the user, counts the live ones, and reads the list once', async () => {
  let time = Date.UTC(2026, 0, 1);
  const memory = createMemoryStore({ now: () => time });
  const listReads: string[] = [];
  const store: Store = new Proxy(memory, {
    get(target, name) {
      if (name === 'members') {
        return (key: string) => {
          listReads.push(key);
          return target.members(key);
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const trusted = createTrustedBrowsers({ store, now: () => time });
  const kept = await trusted.issue('alice', 'Firefox on Linux', 30);
  await trusted.issue('alice', 'Safari on macOS', 1);
  const bobs = await trusted.issue('bob', 'Chrome on Windows', 30);
  // The one-day trust has ended; its id is still listed.
  time += 2 * DAY_MS;

  listReads.length = 0;
  assert.equal(await trusted.revokeAll('alice'), 1, 'the live one only');
  assert.equal(listReads.length, 1, 'the list is read once');
  assert.equal(await trusted.use(kept.id, 'alice', 30), undefined, 'the live trust has ended');
  assert.deepEqual(await trusted.list('alice'), []);
  assert.equal(await trusted.revokeAll('alice'), 0);
  assert.deepEqual(
    (await trusted.list('bob')).map(({ id }) => id),
    [bobs.id],
    "another user's trust stays",
  );
});
