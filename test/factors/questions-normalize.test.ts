// Security-question answers are normalised before hashing (issue 5, S6): exactly what is
// forgiven (Unicode compatibility forms, case, spacing, punctuation at either end) and what is
// not (accents, inner punctuation), as a table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answerLength, normalizeAnswer } from '../../src/factors/questions/normalize.js';

const SAME: Array<[string, string, string]> = [
  ['case', 'Rex', 'rex'],
  ['upper case', 'REX THE DOG', 'rex the dog'],
  ['German sharp s folds like SS (full case folding)', 'Straße', 'STRASSE'],
  ['Greek final sigma folds like sigma', '\u03bf\u03b4\u03bf\u03c2', '\u03bf\u03b4\u03bf\u03c3'],
  ['surrounding spaces', '  rex  ', 'rex'],
  ['tabs and line breaks', '\trex\n', 'rex'],
  ['inner runs of spaces', 'main   street', 'main street'],
  ['inner tab and NBSP', 'main\t\u00a0street', 'main street'],
  ['ideographic space (U+3000)', 'main\u3000street', 'main street'],
  ['trailing punctuation', 'Rex!', 'rex'],
  ['surrounding quotes', '"Rex."', 'rex'],
  ['typographic quotes and ellipsis', '\u201cRex\u2026\u201d', 'rex'],
  ['punctuation then space at the end', 'rex .', 'rex'],
  ['full-width letters (NFKC)', '\uff32\uff45\uff58', 'rex'],
  ['ligature fi (NFKC)', '\ufb01do', 'fido'],
  ['decomposed accent composes (NFKC): e + U+0301 is é', 'Jose\u0301', 'José'],
  ['accented capitals fold', 'ÉCOLE', 'école'],
];

const DIFFERENT: Array<[string, string, string]> = [
  ['accents are kept: NFKC composes them, it does not strip them', 'José', 'Jose'],
  ['umlaut is kept', 'Müller', 'Muller'],
  ['inner punctuation is part of the answer', "O'Brien", 'OBrien'],
  ['inner hyphen is part of the answer', 'Jean-Luc', 'Jean Luc'],
  ['inner spaces are not removed, only collapsed', 'main street', 'mainstreet'],
  ['digits are not words', '1st street', 'first street'],
];

describe('normalizeAnswer: the same answer', () => {
  for (const [label, a, b] of SAME) {
    test(label, () => assert.equal(normalizeAnswer(a), normalizeAnswer(b)));
  }
});

describe('normalizeAnswer: different answers stay different', () => {
  for (const [label, a, b] of DIFFERENT) {
    test(label, () => assert.notEqual(normalizeAnswer(a), normalizeAnswer(b)));
  }
});

test('the normalised form is lower case, trimmed, single-spaced NFKC', () => {
  assert.equal(normalizeAnswer('  ¡Hola,   Señor  Pérez!  '), 'hola, señor pérez');
  assert.equal(normalizeAnswer('Jose\u0301'), 'jos\u00e9');
  assert.equal(normalizeAnswer('...!!!'), '');
});

test('length counts code points of the normalised answer, not UTF-16 units', () => {
  assert.equal(answerLength(normalizeAnswer('🐶🐱')), 2);
  assert.equal(answerLength(normalizeAnswer(' Rex! ')), 3);
});
