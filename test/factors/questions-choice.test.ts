// The questions a login asks (issue 5): always `asked` distinct questions the user answered,
// every answered one reachable, and a stored choice kept as long as it can still be asked.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { chooseAsked, keptAsked } from '../../src/factors/questions/choice.js';

const ANSWERED = ['first-pet', 'first-school', 'first-car', 'childhood-hero', 'first-concert'];

describe('chooseAsked', () => {
  test('always 2 distinct answered questions, over many random draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const pair = chooseAsked(ANSWERED, 2, randomInt) as string[];
      assert.equal(pair.length, 2);
      assert.notEqual(pair[0], pair[1]);
      for (const id of pair) {
        assert.ok(ANSWERED.includes(id), id);
        seen.add(id);
      }
    }
    assert.deepEqual([...seen].sort(), [...ANSWERED].sort(), 'every answered question can be asked');
  });

  test('every pair is reachable (uniform draw without replacement)', () => {
    const pairs = new Set<string>();
    for (let i = 0; i < 2_000; i++) pairs.add((chooseAsked(ANSWERED, 2, randomInt) as string[]).sort().join('+'));
    assert.equal(pairs.size, 10, 'C(5,2) pairs');
  });

  test('is a pure function of the random source', () => {
    const sequence = (values: number[]) => () => values.shift() as number;
    assert.deepEqual(chooseAsked(ANSWERED, 2, sequence([0, 0])), ['first-pet', 'first-school']);
    assert.deepEqual(chooseAsked(ANSWERED, 2, sequence([4, 3])), ['first-concert', 'first-pet']);
  });

  test('undefined when too few are answered, or nothing is to be asked', () => {
    assert.equal(chooseAsked(['first-pet'], 2, randomInt), undefined);
    assert.equal(chooseAsked(['first-pet', 'first-pet'], 2, randomInt), undefined, 'duplicates count once');
    assert.equal(chooseAsked(ANSWERED, 0, randomInt), undefined);
  });
});

describe('keptAsked', () => {
  const rows: Array<[string, unknown, string[] | undefined]> = [
    ['a stored pair of answered questions is kept', ['first-car', 'first-pet'], ['first-car', 'first-pet']],
    ['nothing stored', undefined, undefined],
    ['not a list', 'first-pet', undefined],
    ['a question no longer answered', ['first-car', 'parents-meeting'], undefined],
    ['the same question twice', ['first-car', 'first-car'], undefined],
    ['another count (questions.asked changed)', ['first-car'], undefined],
    ['not strings', [1, 2], undefined],
  ];
  for (const [label, stored, expected] of rows) {
    test(label, () => assert.deepEqual(keptAsked(stored, ANSWERED, 2), expected));
  }
});
