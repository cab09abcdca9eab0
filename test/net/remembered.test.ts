import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { remembered } from '../../src/net/remembered.js';

describe('remembered', () => {
  test('reads a text once, an undefined reading included, and forgets all when full', () => {
    const reads: string[] = [];
    const read = remembered((text: string) => {
      reads.push(text);
      return text === 'bad' ? undefined : text.length;
    }, 2);
    assert.equal(read('ab'), 2);
    assert.equal(read('ab'), 2);
    assert.equal(read('bad'), undefined);
    assert.equal(read('bad'), undefined);
    assert.deepEqual(reads, ['ab', 'bad']);
    // A third text finds the memory full: it is cleared, so 'ab' is read again afterwards.
    assert.equal(read('xyz'), 3);
    assert.equal(read('ab'), 2);
    assert.deepEqual(reads, ['ab', 'bad', 'xyz', 'ab']);
  });
});
