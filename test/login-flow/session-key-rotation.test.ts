// S4 key rotation: session keys are a list, the first signs and all verify. A gateway
// restarted with keys.session [new, old] keeps the sessions signed by old; one with only
// [new] no longer accepts them. Keys come from files (`{ file }`); sessions from an LMDB store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createClock,
  type LoginHarness,
  type RunningApp,
  STAFF,
  startDemoApp,
  startLoginHarness,
  type TestClock,
} from '../helpers/login-harness.js';

let app: RunningApp;
let dir: string;
const clock: TestClock = createClock();

const key = () => randomBytes(32).toString('base64url');
const OLD = key();
const NEW = key();

before(async () => {
  app = await startDemoApp();
  dir = await mkdtemp(join(tmpdir(), 'key-rotation-'));
  await writeFile(join(dir, 'old.keys'), `${OLD}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'rotated.keys'), `${NEW}\n${OLD}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'new.keys'), `${NEW}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'encryption.keys'), `${key()}\n`, { mode: 0o600 });
});
after(async () => {
  await app.app.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs fn against a gateway with these session keys over the shared LMDB store, then stops it. */
async function withGateway<T>(sessionKeys: string, fn: (h: LoginHarness) => Promise<T>) {
  const harness = await startLoginHarness({
    app,
    clock,
    dataDir: dir,
    store: 'lmdb',
    overrides: {
      keys: { session: { file: join(dir, sessionKeys) }, encryption: { file: join(dir, 'encryption.keys') } },
    },
  });
  try {
    return await fn(harness);
  } finally {
    await harness.close();
  }
}

async function dashboardStatus(harness: LoginHarness, cookie: string) {
  const browser = harness.browser();
  browser.cookies.set('gw_session', cookie);
  return (await browser.get('/dashboard')).status;
}

test('[new, old] accepts cookies signed by old and signs with new; [new] alone refuses old', async () => {
  const signedByOld = await withGateway('old.keys', async (harness) => {
    const browser = harness.browser();
    await browser.login(STAFF.user, STAFF.password);
    assert.equal((await browser.get('/dashboard')).status, 200);
    return browser.cookies.get('gw_session') as string;
  });

  const signedByNew = await withGateway('rotated.keys', async (harness) => {
    assert.equal(await dashboardStatus(harness, signedByOld), 200, 'old key still verifies');
    const browser = harness.browser();
    await browser.login(STAFF.user, STAFF.password);
    return browser.cookies.get('gw_session') as string;
  });

  await withGateway('new.keys', async (harness) => {
    assert.equal(await dashboardStatus(harness, signedByNew), 200, 'new key signed it');
    assert.equal(await dashboardStatus(harness, signedByOld), 303, 'the retired key no longer verifies');
  });
});
