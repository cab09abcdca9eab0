// The LMDB store: the contract on a fake clock, plus what makes it the durable default: the
// state is there after a restart, an acknowledged write survives kill -9 (again and again),
// several processes share it (their counters add up), expired records are swept, the files
// are private to the gateway's user, and a JSON store of earlier versions is imported once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { storeSchema } from '../../src/store/settings.js';
import { nodeArgsFor } from '../helpers/node-program.js';
import { runStoreContract } from './contract.js';

const WRITER = nodeArgsFor(new URL('./fixtures/lmdb-store-writer.ts', import.meta.url));

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-lmdb-store-'));
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

runStoreContract('lmdb', async () => {
  const clock = fakeClock();
  const store = await createLmdbStore({ path: join(folder(), 'store.lmdb'), now: clock.now });
  return { store, advance: clock.advance, cleanup: () => store.close() };
});

/** Runs the writer fixture; resolves with its output once it exited (or was killed after `killAfterLines`). */
async function runWriter(args: string[], killAfterLines?: number): Promise<{ lines: string[]; signal: string | null }> {
  const child = spawn(process.execPath, [...WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Killed in the middle of its writes, with enough acknowledged to check.
    if (killAfterLines !== undefined && stdout.split('\n').length > killAfterLines) child.kill('SIGKILL');
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (killAfterLines === undefined ? code !== 0 : signal !== 'SIGKILL') {
    throw new Error(`the writer exited with ${code ?? signal}:\n${stderr}`);
  }
  return { lines: stdout.split('\n').filter((line) => line !== ''), signal };
}

describe('lmdb store on disk', () => {
  test('a missing store is created empty; the folder is 0700, the data and lock files 0600', async () => {
    const dir = join(folder(), 'nested', 'data');
    const path = join(dir, 'store.lmdb');
    const store = await createLmdbStore({ path });
    assert.equal(await store.get('k'), undefined);
    await store.set('k', 'v');
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(`${path}-lock`)).mode & 0o777, 0o600);
    await store.close();
  });

  test('a new store reads every kind of record back', async () => {
    const path = join(folder(), 'store.lmdb');
    const clock = fakeClock();
    const first = await createLmdbStore({ path, now: clock.now });
    await first.set('plain', 'value');
    await first.set('with-ttl', 'value', 60_000);
    await first.increment('counter', 60_000);
    await first.increment('counter', 60_000);
    await first.setIfGreater('step', 41);
    await first.addToSet('codes', 'a');
    await first.addToSet('codes', 'b', 60_000);
    await first.set('large', 'é'.repeat(100 * 1024));
    await first.set(`long:${'k'.repeat(3000)}`, 'a key longer than LMDB takes');
    await first.close();

    const second = await createLmdbStore({ path, now: clock.now });
    assert.equal(await second.get('plain'), 'value');
    assert.equal(await second.get('with-ttl'), 'value');
    assert.equal(await second.increment('counter', 60_000), 3);
    assert.equal(await second.setIfGreater('step', 41), false);
    assert.deepEqual((await second.members('codes')).sort(), ['a', 'b']);
    assert.equal(await second.get('large'), 'é'.repeat(100 * 1024));
    assert.equal(await second.get(`long:${'k'.repeat(3000)}`), 'a key longer than LMDB takes');
    assert.equal(await second.get(`long:${'k'.repeat(2999)}`), undefined);
    await second.close();
  });

  test('the sweep deletes expired records nobody reads again, and only those, by their expiry time', async () => {
    const clock = fakeClock();
    const store = await createLmdbStore({ path: join(folder(), 'store.lmdb'), now: clock.now });
    for (let i = 0; i < 2_500; i += 1) await store.set(`session:${i}`, 'v', i % 2 === 0 ? 1_000 : 60_000);
    await store.addToSet('short-set', 'm', 1_000);
    await store.set('kept', 'v');
    await store.set('renewed', 'v', 1_000);
    await store.set('renewed', 'v', 60_000);
    await store.addToSet('renewed-set', 'm', 1_000);
    await store.addToSet('renewed-set', 'n', 60_000);
    assert.equal(await store.sweep(), 0);
    clock.advance(1_000);
    assert.equal(await store.sweep(), 1_251, 'every expired one, over several sweep steps');
    assert.equal(store.count(), 1_253, 'the others are still stored');
    assert.equal(await store.get('session:1'), 'v');
    assert.equal(await store.get('kept'), 'v');
    assert.equal(await store.get('renewed'), 'v', 'a record written again with a later expiry stays');
    assert.deepEqual((await store.members('renewed-set')).sort(), ['m', 'n']);
    clock.advance(59_000);
    assert.equal(await store.sweep(), 1_252, 'the rest, once their time has come');
    assert.deepEqual(await store.members('renewed-set'), []);
    assert.equal(store.count(), 1, 'kept');
    await store.close();
  });

  test('two processes share the store: their increments of one counter all count', async () => {
    const path = join(folder(), 'store.lmdb');
    const store = await createLmdbStore({ path });
    const [child] = await Promise.all([
      runWriter(['count', path, '200']),
      (async () => {
        for (let i = 0; i < 200; i += 1) await store.increment('shared', 3_600_000);
      })(),
    ]);
    assert.deepEqual(child.lines, ['done']);
    // A write by the other process is seen without reopening.
    assert.equal(await store.get('shared'), '400');
    await store.close();
  });

  test('kill -9 in the middle of writes, five times over: every acknowledged write is there, every atomic write whole', async () => {
    const path = join(folder(), 'store.lmdb');
    for (let round = 0; round < 5; round += 1) {
      const { lines } = await runWriter(['write', path], 40 + Math.floor(Math.random() * 160));
      const store = await createLmdbStore({ path });
      for (const line of lines) {
        const [kind, key, ...rest] = line.split(' ') as [string, string, ...string[]];
        if (kind === 'set') assert.match((await store.get(key)) ?? 'missing', /^written /, line);
        if (kind === 'count') assert.ok(Number(await store.get(key)) >= Number(rest[0]), line);
        if (kind === 'add') assert.ok((await store.members(key)).includes(rest.join(' ')), line);
        if (kind === 'group') assert.equal(await store.get(`${key}:c`), 'c', line);
      }
      // Acknowledged or not, no atomic write is there in part.
      for (let id = 0; id < 4; id += 1) {
        for (let i = 0; ; i += 1) {
          const group = `group:${id}:${i}`;
          const parts = [
            await store.get(`${group}:a`),
            (await store.members(`${group}:b`)).sort().join(),
            await store.get(`${group}:c`),
          ];
          if (parts[0] === undefined && parts[2] === undefined && parts[1] === '') break;
          assert.deepEqual(parts, ['a', 'b1,b2', 'c'], group);
        }
      }
      await store.close();
    }
  });
});

describe('json store import', () => {
  const LEGACY = JSON.stringify({
    format: 'login-security-gateway/store',
    version: 1,
    entries: [
      { key: 'role:bob', value: 'admin' },
      { key: 'session:live', value: 'sealed', expiresAt: Date.now() + 3_600_000 },
      { key: 'session:expired', value: 'sealed', expiresAt: Date.now() - 1_000 },
      { key: 'codes:alice', members: ['a', 'b'] },
    ],
  });

  test('a store.json beside the store is imported once at start-up and kept as a backup', async () => {
    const dir = folder();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'store.json'), LEGACY);
    const settings = storeSchema.parse({ type: 'lmdb', path: join(dir, 'store.lmdb') });

    const first = await createStore(settings);
    assert.equal(await first.get('role:bob'), 'admin');
    assert.equal(await first.get('session:live'), 'sealed');
    assert.equal(await first.get('session:expired'), undefined);
    assert.deepEqual((await first.members('codes:alice')).sort(), ['a', 'b']);
    await first.set('role:bob', 'staff');
    await first.close();

    const files = await readdir(dir);
    assert.ok(!files.includes('store.json'), 'the file is moved away');
    const backup = files.find((name) => name.startsWith('store.json.imported-'));
    assert.ok(backup, `a backup is kept (${files.join(', ')})`);
    assert.equal(await readFile(join(dir, backup), 'utf8'), LEGACY, 'unchanged');

    // Put back (an operator restoring the folder from an old copy): the change made since stays.
    await writeFile(join(dir, 'store.json'), LEGACY);
    const second = await createStore(settings);
    assert.equal(await second.get('role:bob'), 'staff', 'imported once only');
    await second.close();
  });

  test('`type: file` of earlier versions means LMDB beside the JSON file, which it imports', async () => {
    const dir = folder();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'store.json'), LEGACY);
    const settings = storeSchema.parse({ type: 'file', path: join(dir, 'store.json') });
    assert.deepEqual(settings, { type: 'lmdb', path: join(dir, 'store.lmdb') });
    const store = await createStore(settings);
    assert.equal(await store.get('role:bob'), 'admin');
    await store.close();
  });

  test('a damaged store.json is an error naming it, and it is left untouched', async () => {
    const dir = folder();
    await mkdir(dir, { recursive: true });
    const content = '{"format":"login-security-gateway/store","version":1,"entries":[{"key":"a",';
    await writeFile(join(dir, 'store.json'), content);
    await assert.rejects(
      createStore(storeSchema.parse({ type: 'lmdb', path: join(dir, 'store.lmdb') })),
      (error: Error) => {
        assert.ok(error.message.includes(join(dir, 'store.json')), error.message);
        assert.match(error.message, /not valid JSON.*left untouched/);
        return true;
      },
    );
    assert.equal(await readFile(join(dir, 'store.json'), 'utf8'), content);
  });
});
