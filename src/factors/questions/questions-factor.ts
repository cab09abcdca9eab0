// Owns security questions as a second factor (issue 5): a user's answers kept only as argon2id
// hashes of the normalised answer, one per question id, in one record written whole (S6); the
// questions a login asks, chosen once per user and kept until answered correctly; verification
// of exactly the asked questions; replacing and removing (the caller guards them, S12).

import { randomInt } from 'node:crypto';
import type { PasswordHasher } from '../../crypto/password-hash.js';
import { type AuditWrites, NOT_AUDITED } from '../../ops/audit-outbox.js';
import type { Store, StoreWrite } from '../../store/store.js';
import type { SecondFactor, VerifyOutcome } from '../factor.js';
import { userKey } from '../user-keys.js';
import { chooseAsked, keptAsked, type RandomIndex } from './choice.js';
import { answerLength, normalizeAnswer } from './normalize.js';

/** Raw answers as typed, by question id. */
export type Answers = ReadonlyMap<string, string>;

/** What the factor needs of the `questions` section, read at every call (live reload). */
export interface QuestionRules {
  readonly catalogue: ReadonlyArray<{ readonly id: string; readonly text: string }>;
  readonly required: number;
  readonly asked: number;
  readonly min_answer_length: number;
}

/** Why a new set of answers is refused; the page names the problem (these are the user's own answers, not guesses). */
export type AnswerSetProblem =
  | { readonly problem: 'too_few'; readonly required: number }
  | { readonly problem: 'too_short'; readonly ids: readonly string[]; readonly min: number }
  | { readonly problem: 'duplicate'; readonly ids: readonly string[] }
  | { readonly problem: 'unknown_question'; readonly ids: readonly string[] }
  | { readonly problem: 'too_long'; readonly ids: readonly string[]; readonly max: number };

/** Longest answer kept (characters after normalisation); the form says so too. */
export const MAX_ANSWER_LENGTH = 200;

export interface QuestionsFactor extends SecondFactor<Answers> {
  readonly kind: 'questions';
  /** The ids of the questions the user answered; empty when not enrolled. */
  answered(user: string): Promise<string[]>;
  /**
   * The questions to ask this user now: the stored choice, or a fresh one stored for next time.
   * undefined when not enrolled, or when too few answered questions are left in the catalogue.
   */
  asked(user: string): Promise<string[] | undefined>;
  /**
   * Saves a complete new set in one write (the previous set stays in force until then); blank
   * answers are questions left unanswered. Returns what is wrong with the set, or undefined once saved.
   */
  save(user: string, answers: Answers, audited?: AuditWrites): Promise<AnswerSetProblem | undefined>;
}

export interface QuestionsFactorOptions {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly rules: () => QuestionRules;
  /** Defaults to crypto.randomInt. */
  readonly random?: RandomIndex;
}

interface StoredAnswers {
  readonly v: 1;
  /** Question id -> argon2id PHC string of the normalised answer. */
  readonly hashes: Readonly<Record<string, string>>;
}

const answersKey = (user: string) => userKey('questions:answers', user);
// Per user, not per pending login: abandoning a login and starting again finds the same choice.
const askedKey = (user: string) => userKey('questions:asked', user);

/** The problem with a proposed set of answers, or undefined when it can be saved. Pure. */
export function answerSetProblem(
  answers: ReadonlyMap<string, string>,
  rules: QuestionRules,
): AnswerSetProblem | undefined {
  const known = new Set(rules.catalogue.map((q) => q.id));
  const given = [...answers].filter(([, raw]) => raw.trim() !== '');
  const unknown = given.filter(([id]) => !known.has(id)).map(([id]) => id);
  if (unknown.length > 0) return { problem: 'unknown_question', ids: unknown };
  const normalised = given.map(([id, raw]) => [id, normalizeAnswer(raw)] as const);
  const short = normalised.filter(([, answer]) => answerLength(answer) < rules.min_answer_length).map(([id]) => id);
  if (short.length > 0) return { problem: 'too_short', ids: short, min: rules.min_answer_length };
  const long = normalised.filter(([, answer]) => answerLength(answer) > MAX_ANSWER_LENGTH).map(([id]) => id);
  if (long.length > 0) return { problem: 'too_long', ids: long, max: MAX_ANSWER_LENGTH };
  const byAnswer = new Map<string, string[]>();
  for (const [id, answer] of normalised) byAnswer.set(answer, [...(byAnswer.get(answer) ?? []), id]);
  const duplicates = [...byAnswer.values()].filter((ids) => ids.length > 1).flat();
  if (duplicates.length > 0) return { problem: 'duplicate', ids: duplicates };
  if (given.length < rules.required) return { problem: 'too_few', required: rules.required };
  return undefined;
}

/** Creates the security-question factor over the shared store. */
export function createQuestionsFactor({
  store,
  hasher,
  rules,
  random = randomInt,
}: QuestionsFactorOptions): QuestionsFactor {
  async function hashes(user: string): Promise<Readonly<Record<string, string>> | undefined> {
    const text = await store.get(answersKey(user));
    if (text === undefined) return undefined;
    return (JSON.parse(text) as StoredAnswers).hashes;
  }

  /** Ids the user answered that the catalogue still has (a question without its text cannot be asked). */
  async function askable(user: string): Promise<string[] | undefined> {
    const stored = await hashes(user);
    if (!stored) return undefined;
    const catalogue = new Set(rules().catalogue.map((q) => q.id));
    return Object.keys(stored).filter((id) => catalogue.has(id));
  }

  const removal = (user: string): StoreWrite[] => [
    { op: 'delete', key: answersKey(user) },
    { op: 'delete', key: askedKey(user) },
  ];

  async function asked(user: string): Promise<string[] | undefined> {
    const ids = await askable(user);
    if (!ids) return undefined;
    const { asked: count } = rules();
    const text = await store.get(askedKey(user));
    const kept = keptAsked(text === undefined ? undefined : JSON.parse(text), ids, count);
    if (kept) return kept;
    const fresh = chooseAsked(ids, count, random);
    if (!fresh) return undefined;
    const value = JSON.stringify(fresh);
    // Of two requests choosing at once, the first write wins and both ask its choice.
    if (text === undefined && !(await store.setIfAbsent(askedKey(user), value))) return asked(user);
    if (text !== undefined) await store.set(askedKey(user), value);
    return fresh;
  }

  async function verify(user: string, answers: Answers): Promise<VerifyOutcome> {
    const stored = await hashes(user);
    const ids = await asked(user);
    if (!stored || !ids) return { ok: false, reason: 'not_enrolled' };
    // Exactly the asked questions: an answer to another one (or one missing) is no answer.
    if (answers.size !== ids.length || !ids.every((id) => answers.has(id))) return { ok: false, reason: 'not_asked' };
    // Every answer is checked, right or wrong, so the time taken does not say which was wrong.
    const results = await Promise.all(
      ids.map((id) => hasher.verify(stored[id] as string, normalizeAnswer(answers.get(id) as string))),
    );
    if (!results.every(Boolean)) return { ok: false, reason: 'wrong' };
    await store.delete(askedKey(user));
    return { ok: true };
  }

  return {
    kind: 'questions',

    async isEnrolled(user) {
      return (await store.get(answersKey(user))) !== undefined;
    },

    async answered(user) {
      return Object.keys((await hashes(user)) ?? {});
    },

    asked,
    verify,

    async save(user, answers, audited = NOT_AUDITED) {
      const problem = answerSetProblem(answers, rules());
      if (problem) return problem;
      const given = [...answers].filter(([, raw]) => raw.trim() !== '');
      const hashed = await Promise.all(given.map(async ([id, raw]) => [id, await hasher.hash(normalizeAnswer(raw))]));
      const record: StoredAnswers = { v: 1, hashes: Object.fromEntries(hashed) };
      // One write: a new set is asked afresh (the old choice may name questions no longer answered).
      await store.writeAll([
        { op: 'set', key: answersKey(user), value: JSON.stringify(record) },
        { op: 'delete', key: askedKey(user) },
        ...(await audited()),
      ]);
      return undefined;
    },

    async disable(user, answers, audited = NOT_AUDITED) {
      const outcome = await verify(user, answers);
      if (outcome.ok) await store.writeAll([...removal(user), ...(await audited())]);
      return outcome;
    },

    removal: async (user) => removal(user),
  };
}
