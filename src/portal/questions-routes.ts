// Owns the security-question pages (issue 5): the question step of a pending login, the first
// enrollment (from a pending login that owes one, or the account page), changing the answers
// and turning them off, each only after passing the questions asked at that moment (S12).
// Answers are never logged; a failure never says which answer was wrong (S5); TOTP and
// questions are never on together.

import { twoFactorHeld } from '../factors/enrolled-factor.js';
import type { AnswerSetProblem, Answers } from '../factors/questions/questions-factor.js';
import { answerSetProblem } from '../factors/questions/questions-factor.js';
import { sendError, sendHtml, sendRedirect } from '../http/respond.js';
import { releaseWithheld } from '../intercept/replay.js';
import { type AuditRecord, type AuditWrites, auditedChange } from '../ops/audit-outbox.js';
import { csrfToken } from '../session/csrf.js';
import type { PendingRecord, SessionRecord } from '../session/records.js';
import { questionTexts, renderAccount } from './account-view.js';
import {
  messagePage,
  type QuestionsEnrollView,
  type QuestionText,
  questionsEnrollPage,
  questionsStepUpPage,
} from './forms.js';
import { REPLACEMENT_NOTE, startReplacement } from './replacement.js';
import {
  type CheckResult,
  type EnrollOwner,
  enrollCodeCheck,
  factorOffered,
  failureText,
  firstEnrollment,
  limitedCheck,
  loginExpired,
  postedForm,
  promote,
  type RouteContext,
  refuseFirstEnrollment,
  refuseOtherFactor,
  secondStepChanged,
  trustDays,
  trustThisBrowser,
} from './route-context.js';

const GENERIC_FAILURE = 'Those answers did not work. Please try again.';
const WRONG_ENROLL_CODE = 'That enrollment code did not work. Please try again.';

/**
 * The answers a form carries in fields named `${field}_<question id>`. A field given twice is
 * ambiguous: undefined, and the caller treats the form as answering nothing.
 */
export function answersFrom(form: URLSearchParams, field: 'answer' | 'current'): Map<string, string> | undefined {
  const answers = new Map<string, string>();
  for (const [name, value] of form) {
    if (!name.startsWith(`${field}_`)) continue;
    const id = name.slice(field.length + 1);
    if (answers.has(id)) return undefined;
    answers.set(id, value);
  }
  return answers;
}

/** What the enrollment page says about a refused set of answers (the user's own, so it may be precise). */
function problemMessage(problem: AnswerSetProblem, catalogue: readonly QuestionText[]): string {
  const named = (ids: readonly string[]) =>
    ids.map((id) => `"${catalogue.find((q) => q.id === id)?.text ?? id}"`).join(', ');
  switch (problem.problem) {
    case 'too_few':
      return `Please answer at least ${problem.required} questions.`;
    case 'too_short':
      return `Each answer needs at least ${problem.min} characters: ${named(problem.ids)}.`;
    case 'too_long':
      return `Each answer can have at most ${problem.max} characters: ${named(problem.ids)}.`;
    case 'duplicate':
      return `Each answer must be different: ${named(problem.ids)} have the same answer.`;
    case 'unknown_question':
      return 'The form named a question that is not offered. Please reload the page and try again.';
  }
}

/** The user's answered questions no longer include enough of the catalogue to ask (an operator changed it). */
function unaskable(ctx: RouteContext): void {
  sendHtml(
    ctx.scope,
    ctx.res,
    409,
    messagePage(
      'Security questions unavailable',
      'Your security questions cannot be asked because the list of questions has changed. ' +
        'Please ask your administrator to reset your second step.',
    ),
  );
}

/** The question step of a pending login: the questions chosen for this user, all to be answered. */
export async function questionsStepUp(ctx: RouteContext, pending: PendingRecord): Promise<void> {
  const { scope, services, prefix } = ctx;
  // The same questions on every reload and every new login, until they are answered (issue 5).
  const asked = await services.questions.asked(pending.user);
  if (!asked) return unaskable(ctx);
  // A replacement (replacement.ts) trusts no browser: what it passes is on its way out.
  const replacing = pending.step === 'replace';
  const page = (message?: string) =>
    questionsStepUpPage(
      {
        prefix,
        csrf: csrfToken(services.keys.digest, pending.id),
        trustDays: replacing ? undefined : trustDays(ctx, pending.role),
        note: replacing ? REPLACEMENT_NOTE : undefined,
      },
      questionTexts(scope, asked),
      message,
    );
  if (ctx.req.method === 'GET') return sendHtml(scope, ctx.res, 200, page());

  const form = await postedForm(ctx, pending.id);
  if (!form) return;
  const answers = answersFrom(form, 'answer') ?? new Map();
  const result = await limitedCheck(ctx, pending.user, pending, 'questions', () =>
    services.questions.verify(pending.user, answers),
  );
  if (result === 'answered') return;
  if (result === 'ended') return loginExpired(ctx, 'Too many wrong answers. Please sign in again.');
  if (result !== 'passed') return sendHtml(scope, ctx.res, 401, page(failureText(GENERIC_FAILURE, result)));
  if (replacing) return startReplacement(ctx, pending);
  const promoted = await promote(ctx, pending, 'questions');
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  const trust = await trustThisBrowser(ctx, pending, form);
  await releaseWithheld(scope, ctx.res, ctx.rs, services, pending.withheld, promoted, trust);
}

/**
 * What saving a set of answers came to: saved; refused while TOTP or a passkey is on (one kind
 * at a time); or refused for what is wrong with the set under the rules as they are at the save
 * (an operator's reload since the page checked them).
 */
type SaveOutcome = 'saved' | { readonly held: 'totp' | 'passkey' } | AnswerSetProblem;

/**
 * Saves a set of answers in the user's queue, where TOTP enrollment checks for questions: of
 * two tabs enrolling both factors at once, the second sees the first; `audited` goes in the
 * same atomic write, and is emitted once it is written.
 */
async function saveAlone(
  ctx: RouteContext,
  user: string,
  answers: Answers,
  audited: AuditRecord,
): Promise<SaveOutcome> {
  const { services } = ctx;
  const save = (writes: AuditWrites) =>
    services.oneAtATime(user, async (): Promise<SaveOutcome> => {
      const held = await twoFactorHeld(services, user);
      if (held) return { held };
      return (await services.questions.save(user, answers, writes)) ?? 'saved';
    });
  return auditedChange(services.auditOutbox, user, [audited], save, (outcome) => outcome === 'saved');
}

type AnswerSetView = (status: number, values?: ReadonlyMap<string, string>, message?: string) => void;

/** Answers a set of answers that was not saved, with the reason it was not. */
function notSaved(
  ctx: RouteContext,
  user: string,
  outcome: Exclude<SaveOutcome, 'saved'>,
  view: AnswerSetView,
  answers: Answers,
): void {
  if ('held' in outcome) refuseOtherFactor(ctx, user, 'questions', outcome.held);
  else view(400, answers, problemMessage(outcome, ctx.scope.runtime.config.questions.catalogue));
}

/** The form of a whole answer set (a first enrollment or a change), bound to `boundTo` (S10). */
function answerSetView(
  ctx: RouteContext,
  boundTo: string,
  form: Pick<QuestionsEnrollView, 'action' | 'askEnrollCode'> &
    Partial<Pick<QuestionsEnrollView, 'current' | 'totpHref'>>,
): AnswerSetView {
  const { scope, services, prefix } = ctx;
  const rules = scope.runtime.config.questions;
  return (status, values = new Map(), message) =>
    sendHtml(
      scope,
      ctx.res,
      status,
      questionsEnrollPage(
        { prefix, csrf: csrfToken(services.keys.digest, boundTo) },
        { ...form, catalogue: rules.catalogue, required: rules.required, minLength: rules.min_answer_length, values },
        message,
      ),
    );
}

/** The new answer set of a posted form; undefined once the form was shown again (400) with what is wrong. */
function postedAnswerSet(ctx: RouteContext, form: URLSearchParams, view: AnswerSetView): Answers | undefined {
  const rules = ctx.scope.runtime.config.questions;
  const answers = answersFrom(form, 'answer');
  if (!answers) {
    view(400, new Map(), 'The form could not be read. Please try again.');
    return undefined;
  }
  const problem = answerSetProblem(answers, rules);
  if (problem) {
    view(400, answers, problemMessage(problem, rules.catalogue));
    return undefined;
  }
  return answers;
}

/** First enrollment of security questions, for a pending login that owes a step or a signed-in user. */
export async function questionsEnroll(
  ctx: RouteContext,
  owner: EnrollOwner,
  totpHref: string,
  pending?: PendingRecord,
): Promise<void> {
  const { scope, services, prefix } = ctx;
  if (!factorOffered(ctx, pending?.role ?? ctx.rs.session?.role ?? '', 'questions')) return;
  const permission = firstEnrollment(scope);
  if (permission === 'refused') return refuseFirstEnrollment(ctx, owner.user);
  const held = await twoFactorHeld(services, owner.user);
  if (held) return refuseOtherFactor(ctx, owner.user, 'questions', held);
  if (await services.questions.isEnrolled(owner.user)) return sendRedirect(scope, ctx.res, `${prefix}/account`);
  const view = answerSetView(ctx, owner.boundTo, {
    action: owner.action,
    askEnrollCode: permission === 'needs-code',
    totpHref,
  });
  if (ctx.req.method === 'GET') return view(200);

  const form = await postedForm(ctx, owner.boundTo);
  if (!form) return;
  // Checked before the operator's code is spent: a typo in an answer must not cost the code.
  const answers = postedAnswerSet(ctx, form, view);
  if (!answers) return;
  if (permission === 'needs-code') {
    const codeCheck: CheckResult = await enrollCodeCheck(ctx, owner.user, pending, form);
    if (codeCheck === 'answered') return;
    if (codeCheck === 'ended') return loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
    if (codeCheck !== 'passed') return view(401, answers, failureText(WRONG_ENROLL_CODE, codeCheck));
  }
  const enrolled: AuditRecord = {
    event: 'enrollment.questions_enrolled',
    facts: {
      user: owner.user,
      answered: [...answers.values()].filter((raw) => raw.trim() !== '').length,
      client: scope.client.address,
      request_id: scope.id,
    },
  };
  const saved = await saveAlone(ctx, owner.user, answers, enrolled);
  if (saved !== 'saved') return notSaved(ctx, owner.user, saved, view, answers);
  if (!pending) {
    const session = ctx.rs.session as SessionRecord;
    return renderAccount(ctx, session, 200);
  }
  const promoted = await promote(ctx, pending, 'enrollment', 'questions');
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  await releaseWithheld(scope, ctx.res, ctx.rs, services, pending.withheld, promoted);
}

/** Changing the answers: the questions asked now, answered right, then a complete new set (S12). */
async function changeAnswers(ctx: RouteContext, session: SessionRecord): Promise<void> {
  const { scope, services, prefix } = ctx;
  const asked = await services.questions.asked(session.user);
  if (!asked) return unaskable(ctx);
  const view = answerSetView(ctx, session.id, {
    action: `${prefix}/account/questions`,
    askEnrollCode: false,
    current: questionTexts(scope, asked),
  });
  if (ctx.req.method === 'GET') return view(200);

  const form = await postedForm(ctx, session.id);
  if (!form) return;
  // The new set is checked first: a typo in it must not cost a guess of the current answers.
  const answers = postedAnswerSet(ctx, form, view);
  if (!answers) return;
  const current = answersFrom(form, 'current') ?? new Map();
  const result = await limitedCheck(ctx, session.user, undefined, 'questions change', () =>
    services.questions.verify(session.user, current),
  );
  if (result === 'answered') return;
  if (result !== 'passed') return view(401, answers, failureText(GENERIC_FAILURE, result));
  const changed: AuditRecord = {
    event: 'enrollment.questions_changed',
    facts: { user: session.user, client: scope.client.address, request_id: scope.id },
  };
  const saved = await saveAlone(ctx, session.user, answers, changed);
  if (saved !== 'saved') return notSaved(ctx, session.user, saved, view, answers);
  await secondStepChanged(ctx, session.user, 'questions changed');
  return renderAccount(ctx, session, 200);
}

/** Turning security questions off: only with right answers to the questions asked now (S12). */
async function disableQuestions(ctx: RouteContext, session: SessionRecord): Promise<void> {
  const { scope, services } = ctx;
  const form = await postedForm(ctx, session.id);
  if (!form) return;
  const current = answersFrom(form, 'current') ?? new Map();
  const facts = { user: session.user, by: 'user', client: scope.client.address, request_id: scope.id };
  const events = [{ event: 'enrollment.questions_disabled', facts }] as const;
  // The entry is indexed only once the answers are right, just before the write (audit-outbox.ts).
  const result = await limitedCheck(ctx, session.user, undefined, 'questions disable', () =>
    auditedChange(
      services.auditOutbox,
      session.user,
      events,
      (writes) => services.questions.disable(session.user, current, writes),
      (outcome) => outcome.ok,
    ),
  );
  if (result === 'answered') return;
  if (result !== 'passed') return renderAccount(ctx, session, 401, failureText(GENERIC_FAILURE, result));
  await secondStepChanged(ctx, session.user, 'questions disabled');
  return renderAccount(ctx, session, 200);
}

/** The account page's security-question routes: set up (or change) and turn off. */
export async function questionsAccount(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { services, prefix } = ctx;
  if (route === '/account/questions') {
    if (await services.questions.isEnrolled(session.user)) return changeAnswers(ctx, session);
    const owner = { user: session.user, boundTo: session.id, action: `${prefix}/account/questions` };
    return questionsEnroll(ctx, owner, `${prefix}/account/enroll`);
  }
  if (ctx.req.method !== 'POST') return sendError(ctx.scope, ctx.req, ctx.res, 'METHOD_NOT_ALLOWED', route);
  return disableQuestions(ctx, session);
}
