// Security questions as a second factor (issue 5, S6, S12): only argon2id hashes reach the
// store; exactly the asked questions verify, both right; the asked pair is fixed per user until
// answered; a new set replaces the old in one write; remove and disable clear everything. And
// the argon2 runner: at most 2 at once, a bounded queue, a clear busy error beyond it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { DEFAULT_QUESTIONS } from '../../src/config/sections/questions.js';
import {
  createPasswordHasher,
  HASH_CONCURRENCY,
  PasswordHashBusyError,
  type PasswordHasher,
} from '../../src/crypto/password-hash.js';
import {
  answerSetProblem,
  createQuestionsFactor,
  type QuestionRules,
} from '../../src/factors/questions/questions-factor.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { TEST_DEADLINES, TEST_HASHER } from '../helpers/hashing.js';

const RULES: QuestionRules = { catalogue: DEFAULT_QUESTIONS, required: 5, asked: 2, min_answer_length: 3 };
const ANSWERS = new Map([
  ['first-pet', 'Rex'],
  ['childhood-street', 'Elm Street'],
  ['first-school', 'St. Mary’s'],
  ['first-car', 'Renault Clio'],
  ['childhood-hero', 'Astérix'],
]);
// A test-sized cost: what is stored, asked and matched does not depend on it. The test of the
// stored parameters makes its own hasher with the production cost.
const hasher = createPasswordHasher(TEST_HASHER);

/** Records every key written, so a test can read the whole store back. */
function recordingStore(): { store: Store; keys: Set<string> } {
  const store = createMemoryStore();
  const keys = new Set<string>();
  const set = store.set.bind(store);
  store.set = (key, value, ttl) => {
    keys.add(key);
    return set(key, value, ttl);
  };
  const setIfAbsent = store.setIfAbsent.bind(store);
  store.setIfAbsent = (key, value, ttl) => {
    keys.add(key);
    return setIfAbsent(key, value, ttl);
  };
  return { store, keys };
}

function setup(rules: QuestionRules = RULES, answersHasher: PasswordHasher = hasher) {
  const { store, keys } = recordingStore();
  let current = rules;
  const factor = createQuestionsFactor({ store, hasher: answersHasher, rules: () => current });
  return {
    factor,
    store,
    keys,
    setRules: (next: QuestionRules) => {
      current = next;
    },
    /** Everything the store holds, as text. */
    dump: async () => (await Promise.all([...keys].map(async (key) => `${key}=${await store.get(key)}`))).join('\n'),
  };
}

/** The right answers (as given at enrollment) to the asked questions, optionally one of them wrong. */
const reply = (asked: string[], wrong?: string) =>
  new Map(asked.map((id) => [id, id === wrong ? 'not it' : (ANSWERS.get(id) as string)]));

describe('enrollment', () => {
  test('stores only argon2id hashes (m=19456, t=2, p=1), one per answered question, each salted', async (t) => {
    // The production cost: the parameters checked are the ones a deployment stores.
    const production = createPasswordHasher(TEST_DEADLINES);
    t.after(() => production.close());
    const s = setup(RULES, production);
    assert.equal(await s.factor.isEnrolled('alice'), false);
    assert.equal(await s.factor.save('alice', ANSWERS), undefined);
    assert.equal(await s.factor.isEnrolled('alice'), true);
    assert.deepEqual((await s.factor.answered('alice')).sort(), [...ANSWERS.keys()].sort());
    const record = JSON.parse((await s.store.get('questions:answers:{u:alice}')) as string) as {
      hashes: Record<string, string>;
    };
    const hashes = Object.values(record.hashes);
    assert.equal(hashes.length, 5);
    for (const hash of hashes) assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$[A-Za-z0-9+/]{22}\$/);
    const salts = new Set(hashes.map((hash) => hash.split('$')[4]));
    assert.equal(salts.size, 5, 'a salt per answer');
    // The hashes themselves are random base64, in which a short word can turn up by chance.
    const everything = (await s.dump()).replace(/\$argon2id\$[^"]*/g, '<hash>').toLowerCase();
    for (const answer of ANSWERS.values()) {
      assert.ok(!everything.includes(answer.toLowerCase()), `"${answer}" is in the store`);
    }
    for (const word of ['rex', 'elm street', 'clio', 'astérix', 'mary']) assert.ok(!everything.includes(word), word);
  });

  test('refuses sets that are too small, too short, duplicated or off the catalogue, writing nothing', async () => {
    const s = setup();
    const rows: Array<[string, Map<string, string>, string]> = [
      ['four answers', new Map([...ANSWERS].slice(0, 4)), 'too_few'],
      ['blank answers do not count', new Map([...ANSWERS].slice(0, 4).concat([['first-concert', '   ']])), 'too_few'],
      ['an answer of two characters', new Map([...ANSWERS, ['first-pet', 'Al']]), 'too_short'],
      ['punctuation only', new Map([...ANSWERS, ['first-pet', '?!...']]), 'too_short'],
      ['two answers equal after normalisation', new Map([...ANSWERS, ['first-car', '  REX! ']]), 'duplicate'],
      ['a question not in the catalogue', new Map([...ANSWERS, ['mothers-maiden-name', 'Smith']]), 'unknown_question'],
      ['an answer over 200 characters', new Map([...ANSWERS, ['first-pet', 'x'.repeat(201)]]), 'too_long'],
    ];
    for (const [label, answers, problem] of rows) {
      assert.equal(answerSetProblem(answers, RULES)?.problem, problem, label);
      assert.equal((await s.factor.save('alice', answers))?.problem, problem, label);
    }
    assert.equal(await s.factor.isEnrolled('alice'), false);
    assert.deepEqual(answerSetProblem(new Map([...ANSWERS, ['first-car', 'rex']]), RULES), {
      problem: 'duplicate',
      ids: ['first-pet', 'first-car'],
    });
  });
});

describe('verification', () => {
  test('the asked pair: 2 distinct answered questions, the same until answered right, then a new draw', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    assert.equal(asked.length, 2);
    assert.notEqual(asked[0], asked[1]);
    for (const id of asked) assert.ok(ANSWERS.has(id));
    for (let i = 0; i < 5; i++) assert.deepEqual(await s.factor.asked('alice'), asked, 'reload');
    assert.deepEqual(await s.factor.verify('alice', reply(asked, asked[1])), { ok: false, reason: 'wrong' });
    assert.deepEqual(await s.factor.asked('alice'), asked, 'kept after a wrong answer');
    assert.deepEqual(await s.factor.verify('alice', reply(asked)), { ok: true });
    assert.equal(await s.store.get('questions:asked:{u:alice}'), undefined, 'answered: the choice is cleared');
  });

  test('the answers are forgiven case, spacing and surrounding punctuation', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    const typed = new Map(
      asked.map((id) => [id, `  ${(ANSWERS.get(id) as string).toUpperCase().replace(' ', '   ')}! `]),
    );
    assert.deepEqual(await s.factor.verify('alice', typed), { ok: true });
  });

  test('both must be right; one wrong or one missing fails the same way', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    assert.deepEqual(await s.factor.verify('alice', reply(asked, asked[0])), { ok: false, reason: 'wrong' });
    assert.deepEqual(await s.factor.verify('alice', reply(asked, asked[1])), { ok: false, reason: 'wrong' });
    const both = new Map(asked.map((id) => [id, 'nope']));
    assert.deepEqual(await s.factor.verify('alice', both), { ok: false, reason: 'wrong' });
  });

  test('an answer to a question that was not asked fails, even when it is right', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    const other = [...ANSWERS.keys()].find((id) => !asked.includes(id)) as string;
    const swapped = reply([asked[0] as string, other]);
    assert.deepEqual(await s.factor.verify('alice', swapped), { ok: false, reason: 'not_asked' });
    const extra = new Map([...reply(asked), [other, ANSWERS.get(other) as string]]);
    assert.deepEqual(await s.factor.verify('alice', extra), { ok: false, reason: 'not_asked' });
    assert.deepEqual(await s.factor.verify('alice', new Map([...reply(asked)].slice(0, 1))), {
      ok: false,
      reason: 'not_asked',
    });
    assert.deepEqual(await s.factor.asked('alice'), asked, 'the pair is still the same');
  });

  test('not enrolled: verify fails, nothing is asked', async () => {
    const s = setup();
    assert.equal(await s.factor.asked('bob'), undefined);
    assert.deepEqual(await s.factor.verify('bob', new Map()), { ok: false, reason: 'not_enrolled' });
  });

  test('a stored pair the configuration can no longer ask is drawn anew from what can be', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    const dropped = asked[0] as string;
    s.setRules({ ...RULES, catalogue: DEFAULT_QUESTIONS.filter((q) => q.id !== dropped), required: 4 });
    const next = (await s.factor.asked('alice')) as string[];
    assert.ok(!next.includes(dropped));
    s.setRules({ ...RULES, asked: 6, required: 6 });
    assert.equal(await s.factor.asked('alice'), undefined, 'too few answered to ask 6');
  });
});

describe('replacing and removing', () => {
  test('a new set replaces the old whole; the old answers stop working, the choice is drawn anew', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    await s.factor.asked('alice');
    const fresh = new Map([
      ['first-concert', 'Queen'],
      ['parents-meeting', 'Lyon'],
      ['childhood-friend', 'Marie'],
      ['first-school', 'Jules Ferry'],
      ['childhood-street', 'Oak Road'],
      ['first-pet', ''],
    ]);
    assert.equal(await s.factor.save('alice', fresh), undefined);
    assert.deepEqual(
      (await s.factor.answered('alice')).sort(),
      [...fresh.keys()].filter((id) => id !== 'first-pet').sort(),
    );
    const asked = (await s.factor.asked('alice')) as string[];
    assert.deepEqual(await s.factor.verify('alice', new Map(asked.map((id) => [id, fresh.get(id) as string]))), {
      ok: true,
    });
  });

  test('disable needs the asked answers; remove needs nothing; both clear answers and choice', async () => {
    const s = setup();
    await s.factor.save('alice', ANSWERS);
    const asked = (await s.factor.asked('alice')) as string[];
    assert.deepEqual(await s.factor.disable('alice', reply(asked, asked[0])), { ok: false, reason: 'wrong' });
    assert.equal(await s.factor.isEnrolled('alice'), true);
    assert.deepEqual(await s.factor.disable('alice', reply(asked)), { ok: true });
    assert.equal(await s.factor.isEnrolled('alice'), false);

    await s.factor.save('alice', ANSWERS);
    await s.factor.asked('alice');
    await s.store.writeAll(await s.factor.removal('alice'));
    assert.equal(await s.factor.isEnrolled('alice'), false);
    assert.equal(await s.store.get('questions:asked:{u:alice}'), undefined);
    assert.equal(await s.store.get('questions:answers:{u:alice}'), undefined);
  });
});

describe('the argon2 runner', () => {
  /** Peak of running operations seen while `work` runs. */
  async function peak(runner: PasswordHasher, work: Promise<unknown>): Promise<number> {
    let max = 0;
    let done = false;
    void work.finally(() => {
      done = true;
    });
    while (!done) {
      max = Math.max(max, runner.load().running);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return max;
  }

  test('runs at most its concurrency at once; the rest wait their turn', async () => {
    const runner = createPasswordHasher({ ...TEST_HASHER, concurrency: 2 });
    const work = Promise.all(Array.from({ length: 6 }, (_, i) => runner.hash(`answer ${i}`)));
    assert.deepEqual(runner.load(), { running: 2, waiting: 4 });
    assert.ok((await peak(runner, work)) <= 2);
    assert.equal((await work).length, 6);
    assert.deepEqual(runner.load(), { running: 0, waiting: 0 });
    runner.close();
  });

  test(`by default two at most, leaving a core to the proxy (${HASH_CONCURRENCY} on this machine)`, () => {
    assert.ok(HASH_CONCURRENCY >= 1 && HASH_CONCURRENCY <= 2);
    assert.ok(HASH_CONCURRENCY === 1 || availableParallelism() > 2);
  });

  test('a full queue refuses at once with a busy error; the queued ones still finish', async () => {
    const runner = createPasswordHasher({ ...TEST_HASHER, concurrency: 1, queueLimit: 2 });
    const accepted = [runner.hash('a'), runner.hash('b'), runner.hash('c')];
    await assert.rejects(runner.hash('d'), PasswordHashBusyError);
    const digests = await Promise.all(accepted);
    assert.equal(await runner.verify(digests[1] as string, 'b'), true);
  });

  test('waiting longer than the limit fails with a busy error, not a hang', async () => {
    // An argon2id hash of 19 MiB takes milliseconds at least: the second cannot start within 1 ms.
    const runner = createPasswordHasher({ concurrency: 1, waitMs: 1 });
    const first = runner.hash('a');
    await assert.rejects(runner.verify('$argon2id$x', 'b'), (error: Error) => {
      assert.ok(error instanceof PasswordHashBusyError);
      assert.equal(error.code, 'GW_HASH_BUSY');
      return true;
    });
    await first;
    assert.deepEqual(runner.load(), { running: 0, waiting: 0 });
  });

  /**
   * The argon2 helper processes this test process started (found in /proc by their program
   * text), but for those in `others`: the file's shared hasher has one too, which a test that
   * stops or kills its own runner's helper must leave alone (the shared hasher's next call would
   * find its helper gone and fail as busy).
   */
  function helperPids(others: ReadonlySet<number> = new Set()): number[] {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry) && !others.has(Number(entry)))
      .filter((entry) => {
        try {
          const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
          return ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('GATEWAY_ARGON2');
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  test('a helper that stops answering is replaced: what ran in it fails as busy, the next operation works', async (t) => {
    // The stopped helper is given up on after runMs on the runner's own timer, moved here by
    // node:test's mock timers (enabled only while the stalled call is made and given up on), so
    // the test neither waits runMs out (20 s, most of this file's time) nor depends on how fast
    // the machine starts a helper: the hashes before and after run on real time, far inside it.
    const runMs = 20_000;
    const runner = createPasswordHasher({ cost: TEST_HASHER.cost, runMs });
    const others = new Set(helperPids());
    try {
      const digest = await runner.hash('rex');
      const before = new Set(helperPids(others));
      assert.ok(before.size > 0, 'the first hash started a helper');
      for (const pid of before) process.kill(pid, 'SIGSTOP');
      t.mock.timers.enable({ apis: ['setTimeout'] });
      let settled = false;
      const stalled = runner.verify(digest, 'rex').finally(() => {
        settled = true;
      });
      t.mock.timers.tick(runMs - 1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(settled, false, 'still waiting for the helper before runMs');
      t.mock.timers.tick(1);
      t.mock.timers.reset();
      await assert.rejects(stalled, PasswordHashBusyError);
      assert.deepEqual(runner.load(), { running: 0, waiting: 0 });
      assert.equal(await runner.verify(digest, 'rex'), true);
      assert.ok(
        helperPids(others).some((pid) => !before.has(pid)),
        'a new helper answered',
      );
    } finally {
      runner.close();
    }
  });

  test('a helper that dies fails what ran in it as busy (never a pass), and the next operation works', async () => {
    const runner = createPasswordHasher(TEST_HASHER);
    const others = new Set(helperPids());
    try {
      const digest = await runner.hash('rex');
      // Stopped first, so the verify is still in the helper when it dies, however fast it would be.
      const helpers = helperPids(others);
      for (const pid of helpers) process.kill(pid, 'SIGSTOP');
      const running = runner.verify(digest, 'rex');
      for (const pid of helpers) process.kill(pid, 'SIGKILL');
      await assert.rejects(running, PasswordHashBusyError);
      assert.equal(await runner.verify(digest, 'rex'), true);
    } finally {
      runner.close();
    }
  });

  test('after close, operations fail as busy and no helper is started again', async () => {
    const runner = createPasswordHasher(TEST_HASHER);
    await runner.hash('rex');
    runner.close();
    await assert.rejects(runner.hash('rex'), PasswordHashBusyError);
  });

  test('a damaged digest is a mismatch, never an exception', async () => {
    assert.equal(await hasher.verify('not a hash', 'rex'), false);
    assert.equal(await hasher.verify('$argon2id$v=19$m=19456,t=2,p=1$broken', 'rex'), false);
  });
});
