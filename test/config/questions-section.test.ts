// Issue 5: the `questions` section. The shipped gateway.yaml and the schema default both have
// a catalogue of 8 with 5 to answer and 2 asked; impossible combinations (asked > required >
// catalogue) and duplicated ids or texts are refused at the key an operator would change.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { formatConfigError, parseConfig } from '../../src/config/load.js';
import { DEFAULT_QUESTIONS } from '../../src/config/sections/questions.js';

const base = { upstream: { url: 'http://127.0.0.1:3001' } };
const catalogue = (n: number) => DEFAULT_QUESTIONS.slice(0, n).map((q) => ({ ...q }));

async function errorsOf(questions: unknown): Promise<string[]> {
  const result = await parseConfig(JSON.stringify({ ...base, questions }));
  return result.ok ? [] : result.errors.map((error) => formatConfigError(error).replace(/ \(line \d+\)$/, ''));
}

test('the default, and gateway.yaml: 8 questions with stable ids, 5 to answer, 2 asked', async () => {
  const byDefault = await parseConfig(JSON.stringify(base));
  assert.ok(byDefault.ok);
  const { questions } = byDefault.config;
  assert.equal(questions.catalogue.length, 8);
  assert.equal(questions.required, 5);
  assert.equal(questions.asked, 2);
  const shipped = await parseConfig(await readFile(new URL('../../gateway.yaml', import.meta.url), 'utf8'));
  assert.ok(shipped.ok, shipped.ok ? '' : shipped.errors.map(formatConfigError).join('\n'));
  assert.deepEqual(shipped.config.questions, questions, 'gateway.yaml lists the default catalogue');
});

test('impossible counts are refused', async () => {
  assert.deepEqual(await errorsOf({ catalogue: catalogue(3), required: 3, asked: 3 }), []);
  assert.match(
    (await errorsOf({ catalogue: catalogue(4), required: 5 }))[0] as string,
    /^questions\.required: must be at most the catalogue's 4 questions, got 5/,
  );
  assert.match(
    (await errorsOf({ required: 2, asked: 3 }))[0] as string,
    /^questions\.asked: must be at most required \(2\), got 3/,
  );
  assert.match((await errorsOf({ asked: 0 }))[0] as string, /^questions\.asked:/);
  assert.match((await errorsOf({ catalogue: [] }))[0] as string, /^questions\.catalogue:/);
});

test('duplicate ids or texts (any case) and unusable ids are refused', async () => {
  const eight = catalogue(8);
  const dupId = eight.map((q, i) => (i === 5 ? { ...q, id: 'first-pet' } : q));
  assert.deepEqual(await errorsOf({ catalogue: dupId }), ['questions.catalogue.5.id: duplicates catalogue[0].id']);
  const dupText = eight.map((q, i) => (i === 6 ? { ...q, text: (eight[1]?.text as string).toUpperCase() } : q));
  assert.deepEqual(await errorsOf({ catalogue: dupText }), [
    'questions.catalogue.6.text: duplicates catalogue[1].text',
  ]);
  const badId = eight.map((q, i) => (i === 0 ? { ...q, id: 'First Pet' } : q));
  assert.match(
    (await errorsOf({ catalogue: badId }))[0] as string,
    /^questions\.catalogue\.0\.id: must be 1-40 characters/,
  );
});
