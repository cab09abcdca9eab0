// Group commit: a caller is acknowledged only by a write that contains its change, concurrent
// changes share writes, a failed write fails its callers and the next commit retries it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGroupCommit } from '../../src/store/group-commit.js';

/** A state of numbered changes and a disk whose writes the test completes by hand. */
function setup() {
  let changes = 0;
  const written: number[] = [];
  const pending: Array<{ state: number; finish(error?: Error): void }> = [];
  const group = createGroupCommit(
    () => changes,
    (state) =>
      new Promise<void>((resolve, reject) => {
        pending.push({
          state,
          finish: (error) => {
            if (error) return reject(error);
            written.push(state);
            resolve();
          },
        });
      }),
  );
  const change = () => {
    changes += 1;
    return group.commit(true);
  };
  /** Completes the oldest write and lets its callers run. */
  const finishWrite = async (error?: Error) => {
    pending.shift()?.finish(error);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { group, change, written, pending, finishWrite };
}

test('20 concurrent changes share two writes and each resolves only once its change is written', async () => {
  const { change, written, pending, finishWrite } = setup();
  const acknowledged: number[] = [];
  const all = Array.from({ length: 20 }, (_, i) => change().then(() => acknowledged.push(i + 1)));
  assert.equal(pending.length, 1, 'the first change starts a write at once');
  assert.equal(pending[0]?.state, 1);
  await finishWrite();
  assert.deepEqual(acknowledged, [1], 'only the change the first write holds is acknowledged');
  assert.equal(pending.length, 1, 'the other 19 wait for one more write');
  assert.equal(pending[0]?.state, 20);
  await finishWrite();
  await Promise.all(all);
  assert.equal(acknowledged.length, 20);
  assert.deepEqual(written, [1, 20]);
});

test('a commit without a change waits for the changes it may have seen, and for nothing when all are written', async () => {
  const { group, change, pending, finishWrite } = setup();
  await group.commit(false);
  assert.equal(pending.length, 0, 'nothing to write');
  const changed = change();
  let observed = false;
  const observer = group.commit(false).then(() => {
    observed = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(observed, false, 'the change it saw is not on disk yet');
  await finishWrite();
  await Promise.all([changed, observer]);
  assert.equal(pending.length, 0);
});

test('a failed write rejects its callers; the next commit writes their changes again', async () => {
  const { group, change, written, pending, finishWrite } = setup();
  const failed = change();
  const rejected = assert.rejects(failed, /disk full/);
  await finishWrite(new Error('disk full'));
  await rejected;
  const retried = group.commit(false);
  assert.equal(pending[0]?.state, 1, 'the retry holds the change that failed');
  await finishWrite();
  await retried;
  assert.deepEqual(written, [1]);
});
