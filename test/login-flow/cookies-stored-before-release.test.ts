// S14 (issue 12.2): a cookie the app sets is in the vault before the answer that set it reaches
// the browser. The app here works like Django's messages: a POST-redirect sets a cookie on its
// 302, the page redirected to shows it once and deletes it. The client follows each redirect at
// once, 50 times over; then the session's vault writes are slowed down (the store's writes of
// session records wait), which makes the order visible: an answer released before its write
// would be followed by a request that carries the old cookies. Across two gateways sharing a real
// Redis, the redirect set on one and followed on the other carries the cookie too, though the
// other has the session in its cache: the re-issued gateway cookie names the vault's generation
// (the README's "Cookies across several gateways"; the clock does not move).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { type AppFront, type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { startRedisServer } from '../helpers/redis-server.js';

const ROUNDS = 50;
const FLASH = 'flash';
const PIECE = Buffer.alloc(64 * 1024, 'x');
const BIG_PIECES = 64;

/** Answers `PREFIX/set?n=N` with a 302 setting flash=N, and `PREFIX/show` with the flash it got, deleting it. */
function flashPages(prefix: string): AppFront {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://app.internal');
    if (url.pathname === `${prefix}/set`) {
      res.writeHead(302, {
        location: `${prefix}/show`,
        'set-cookie': `${FLASH}=${url.searchParams.get('n')}; Path=/; HttpOnly`,
      });
      res.end();
      return true;
    }
    if (url.pathname === `${prefix}/big`) {
      // A body larger than any socket buffer, written in pieces: it keeps coming while the head waits.
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `${FLASH}=big; Path=/` });
      for (let i = 0; i < BIG_PIECES; i++) res.write(PIECE);
      res.end();
      return true;
    }
    if (url.pathname === `${prefix}/shared`) {
      // A page any cache may keep, that sets a cookie all the same.
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'public, s-maxage=600, max-age=60',
        'set-cookie': `${FLASH}=shared; Path=/`,
      });
      res.end('shared');
      return true;
    }
    if (url.pathname === `${prefix}/show`) {
      const flash = new RegExp(`(?:^|; )${FLASH}=([^;]*)`).exec(req.headers.cookie ?? '')?.[1] ?? 'none';
      showOnce(res, flash);
      return true;
    }
    return false;
  };
}

function showOnce(res: ServerResponse, flash: string): void {
  res.writeHead(200, {
    'content-type': 'text/plain',
    'set-cookie': `${FLASH}=; Path=/; Max-Age=0`,
  });
  res.end(`flash=${flash}`);
}

const sessionFlash = flashPages('/flash');
const anonymousFlash = flashPages('/public/flash');
const front: AppFront = (req, res, app) => sessionFlash(req, res, app) || anonymousFlash(req, res, app);

let harness: LoginHarness;
before(async () => {
  harness = await startLoginHarness({ front });
});
after(() => harness.close());

/** Sets a flash through the redirect, follows it at once, and returns what the page showed each round. */
async function followRedirects(browser: Browser, prefix: string): Promise<string[]> {
  const shown: string[] = [];
  for (let n = 1; n <= ROUNDS; n++) {
    const redirect = await browser.get(`${prefix}/set?n=${n}`);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.location, `${prefix}/show`);
    const page = await browser.get(redirect.location);
    assert.equal(page.status, 200);
    shown.push(page.text);
  }
  return shown;
}

const expected = () => Array.from({ length: ROUNDS }, (_, i) => `flash=${i + 1}`);

async function staffBrowser(on = harness): Promise<Browser> {
  const browser = on.browser();
  const login = await browser.login(STAFF.user, STAFF.password);
  assert.equal(login.status, 302);
  return browser;
}

/** Makes the store's writes of session records wait `ms` (the vault is in the session record); returns the undo. */
function slowSessionWrites(store: Store, ms: number): () => void {
  const set = store.set;
  store.set = async (key, value, ttlMs) => {
    if (key.startsWith('session:')) await new Promise((resolve) => setTimeout(resolve, ms));
    return set.call(store, key, value, ttlMs);
  };
  return () => {
    store.set = set;
  };
}

test('a redirect followed at once carries the cookie its 302 set, every time', async () => {
  const browser = await staffBrowser();
  assert.deepEqual(await followRedirects(browser, '/flash'), expected());
});

test('with slow vault writes, the answer waits for its write', async (t) => {
  const store = harness.gateway.login?.store;
  assert.ok(store);
  const browser = await staffBrowser();
  t.after(slowSessionWrites(store, 100));
  assert.deepEqual(await followRedirects(browser, '/flash'), expected());
  const big = await browser.get('/flash/big');
  assert.equal(big.status, 200);
  assert.equal(big.text.length, PIECE.length * BIG_PIECES, 'what came while the head waited is all relayed');
  assert.equal((await browser.get('/flash/show')).text, 'flash=big');
});

test('an answer that re-issues the session cookie is kept out of shared caches', async () => {
  const browser = await staffBrowser();
  const page = await browser.get('/flash/shared');
  assert.equal(page.status, 200);
  assert.ok(
    page.setCookies.some((line) => /^gw_session=[^;]/.test(line)),
    'the session cookie names the new vault generation',
  );
  assert.equal(page.headers['cache-control'], 'max-age=60, private', 'a CDN never hands the session to another');
});

test("an anonymous visitor's redirect carries the cookie too (the sealed vault travels with the answer)", async () => {
  const browser = harness.browser();
  assert.deepEqual(await followRedirects(browser, '/public/flash'), expected());
  for (const answer of browser.answers)
    assert.ok(!answer.setCookies.some((line) => line.startsWith(`${FLASH}=`)), 'the app cookie stays sealed');
});

test('set on one gateway, followed on another sharing Redis: the cookie is there', async (t) => {
  const redis = await startRedisServer();
  t.after(() => redis.stop());
  const overrides = { store: { type: 'redis', url: redis.url, prefix: `vault:${randomUUID()}:` } };
  const a = await startLoginHarness({ front, overrides });
  t.after(() => a.close());
  // The same app, clock and keys; its own Redis connection and session cache.
  const b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  t.after(() => b.close());
  const store = a.gateway.login?.store;
  assert.ok(store);
  const onA = await staffBrowser(a);
  t.after(slowSessionWrites(store, 100));
  for (let n = 1; n <= 10; n++) {
    // From the second round on, B holds the session in its cache (the one it wrote when the page deleted the flash).
    const redirect = await onA.get(`/flash/set?n=${n}`);
    const page = await onA.via(b).get(redirect.location as string);
    assert.equal(page.text, `flash=${n}`);
  }
});
