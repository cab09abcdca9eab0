// The file store: the contract on a fake clock, plus what makes it the durable default: the
// state is reloaded after a restart, an acknowledged write survives kill -9, a damaged file is
// an error (never a silent reset), the file is private to the gateway's user and held by one
// process at a time.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFileStore } from '../../src/store/file.js';
import { StoreInUseError } from '../../src/store/file-lock.js';
import { StoreUnavailableError } from '../../src/store/store.js';
import { runStoreContract } from './contract.js';

const WRITER = new URL('./fixtures/file-store-writer.ts', import.meta.url).pathname;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-file-store-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A fresh folder for one test, inside the run's temporary root. */
const folder = () => join(root, randomUUID());

/** A clock the test moves by hand. */
function fakeClock() {
  let now = Date.UTC(2030, 0, 1);
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

runStoreContract('file', async () => {
  const clock = fakeClock();
  const store = await createFileStore({ path: join(folder(), 'store.json'), now: clock.now });
  return { store, advance: clock.advance, cleanup: () => store.close() };
});

describe('file store on disk', () => {
  test('a missing file is an empty store; the folder is created 0700 and the file written 0600', async () => {
    const dir = join(folder(), 'nested', 'data');
    const path = join(dir, 'store.json');
    const store = await createFileStore({ path });
    assert.equal(await store.get('k'), undefined);
    await store.set('k', 'v');
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await store.close();
  });

  test('an acknowledged write is in the file before close; a new store reads every kind of entry back', async () => {
    const path = join(folder(), 'store.json');
    const clock = fakeClock();
    const first = await createFileStore({ path, now: clock.now });
    await first.set('plain', 'value');
    await first.set('with-ttl', 'value', 60_000);
    await first.increment('counter', 60_000);
    await first.increment('counter', 60_000);
    await first.setIfGreater('step', 41);
    await first.addToSet('codes', 'a');
    await first.addToSet('codes', 'b', 60_000);
    await first.set('large', 'é'.repeat(100 * 1024));
    assert.match(await readFile(path, 'utf8'), /"plain"/, 'written before close');
    await first.close();

    const second = await createFileStore({ path, now: clock.now });
    assert.equal(await second.get('plain'), 'value');
    assert.equal(await second.get('with-ttl'), 'value');
    assert.equal(await second.increment('counter', 60_000), 3);
    assert.equal(await second.setIfGreater('step', 41), false);
    assert.deepEqual((await second.members('codes')).sort(), ['a', 'b']);
    assert.equal(await second.get('large'), 'é'.repeat(100 * 1024));
    // TTLs are absolute times, so they keep running across the restart.
    clock.advance(60_000);
    assert.equal(await second.get('with-ttl'), undefined);
    assert.equal(await second.get('counter'), undefined);
    assert.deepEqual(await second.members('codes'), []);
    assert.equal(await second.get('plain'), 'value');
    await second.close();
  });

  test('expired entries are not written', async () => {
    const path = join(folder(), 'store.json');
    const clock = fakeClock();
    const store = await createFileStore({ path, now: clock.now });
    await store.set('short-lived-value', 'v', 1000);
    await store.addToSet('short-lived-set', 'm', 1000);
    clock.advance(1000);
    await store.set('kept', 'v');
    const text = await readFile(path, 'utf8');
    assert.doesNotMatch(text, /short-lived/);
    assert.match(text, /"kept"/);
    await store.close();
  });

  test('concurrent writes are all acknowledged and all on disk', async () => {
    const path = join(folder(), 'store.json');
    const store = await createFileStore({ path });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    await store.close();
    const reopened = await createFileStore({ path });
    for (let i = 0; i < 50; i += 1) assert.equal(await reopened.get(`k${i}`), `v${i}`);
    await reopened.close();
  });

  test('while one store has the file open a second is refused, naming the holder; once closed it opens', async () => {
    const path = join(folder(), 'store.json');
    const first = await createFileStore({ path });
    await first.set('k', 'v');
    // The lock is a socket, so a second store in this process is refused as another process would be.
    await assert.rejects(createFileStore({ path }), (error: Error) => {
      assert.ok(error instanceof StoreInUseError);
      assert.match(error.message, new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
      return true;
    });
    assert.equal(await first.get('k'), 'v', 'the refused opener did not disturb the owner');
    await first.close();
    const second = await createFileStore({ path });
    assert.equal(await second.get('k'), 'v');
    await second.close();
  });

  test('a write that fails rejects with StoreUnavailableError; the next one persists the change too', async () => {
    const path = join(folder(), 'store.json');
    const store = await createFileStore({ path });
    await store.set('before', 'v');
    // A folder in the file's place makes the rename fail, even for root (unlike chmod).
    await rm(path);
    await mkdir(path);
    await writeFile(join(path, 'in-the-way'), '');
    await assert.rejects(store.set('during', 'v'), (error: Error) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.match(error.message, /could not write the store file/);
      return true;
    });
    assert.deepEqual(
      (await readdir(dirname(path))).filter((name) => name.endsWith('.tmp')),
      [],
      'the failed write left no temporary file',
    );
    await rm(path, { recursive: true });
    await store.set('after', 'v');
    await store.close();
    const reopened = await createFileStore({ path });
    for (const key of ['before', 'during', 'after']) assert.equal(await reopened.get(key), 'v', key);
    await reopened.close();
  });

  const damaged: Array<[what: string, content: string, reason: RegExp]> = [
    ['an empty file', '', /not valid JSON/],
    [
      'a truncated file',
      '{"format":"login-security-gateway/store","version":1,"entries":[{"key":"a",',
      /not valid JSON/,
    ],
    ['some other JSON', '{"sessions":{}}', /not a store file/],
    ['a future version', '{"format":"login-security-gateway/store","version":2,"entries":[]}', /not a store file/],
    [
      'a key listed twice',
      '{"format":"login-security-gateway/store","version":1,"entries":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}',
      /the key "a" twice/,
    ],
  ];
  for (const [what, content, reason] of damaged) {
    test(`${what} is an error naming the file, and the file is left untouched`, async () => {
      const path = join(folder(), 'store.json');
      await createFileStore({ path }).then((store) => store.close());
      await writeFile(path, content);
      await assert.rejects(createFileStore({ path }), (error: Error) => {
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, reason);
        assert.match(error.message, /left untouched/);
        return true;
      });
      assert.equal(await readFile(path, 'utf8'), content);
    });
  }

  // Also: the killed writer's lock socket is left behind and replaced, since nobody listens on it.
  test('every write acknowledged before kill -9 is there after it', async () => {
    const path = join(folder(), 'store.json');
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // Killed in the middle of its writes, with enough acknowledged to check.
        if (stdout.split('\n').length > 120) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`the writer exited with ${code} before it was killed:\n${stderr}`)),
      );
    });
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    const store = await createFileStore({ path });
    const lines = stdout.split('\n').filter((line) => line !== '');
    for (const line of lines) {
      const [kind, key, ...rest] = line.split(' ') as [string, string, ...string[]];
      if (kind === 'set') assert.match((await store.get(key)) ?? 'missing', /^written /, line);
      if (kind === 'count') assert.ok(Number(await store.get(key)) >= Number(rest[0]), line);
      if (kind === 'add') assert.ok((await store.members(key)).includes(rest.join(' ')), line);
    }
    await store.close();
  });
});
