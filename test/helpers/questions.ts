// Security questions for the login-flow and browser tests: a set of answers to enroll, and a
// harness browser that enrolls them, reads which questions a page asks, and answers them.

import assert from 'node:assert/strict';
import { type Answer, type Browser, formField } from './login-harness.js';

/** Five answers of the default catalogue (gateway.yaml), as a person would type them. */
export const ANSWERS: ReadonlyMap<string, string> = new Map([
  ['first-pet', 'Rex'],
  ['childhood-street', 'Elm Street'],
  ['first-school', 'Saint Mary'],
  ['first-car', 'Renault Clio'],
  ['childhood-hero', 'Astérix'],
]);

/** Another complete set, for changing the answers. */
export const NEW_ANSWERS: ReadonlyMap<string, string> = new Map([
  ['first-concert', 'Queen'],
  ['parents-meeting', 'Lyon'],
  ['childhood-friend', 'Marie'],
  ['first-school', 'Jules Ferry'],
  ['first-car', 'Citroen Ami'],
]);

/** The question ids a gateway page asks in fields named `${field}_<id>`, in page order. */
export function askedIn(html: string, field: 'answer' | 'current' = 'answer'): string[] {
  return [...html.matchAll(new RegExp(`name="${field}_([a-z0-9-]+)"`, 'g'))].map((match) => match[1] as string);
}

/** Form fields answering `ids` from `answers` (a wrong answer for the ids in `wrong`). */
export function answerFields(
  ids: readonly string[],
  field: 'answer' | 'current',
  answers: ReadonlyMap<string, string> = ANSWERS,
  wrong: readonly string[] = [],
): Record<string, string> {
  return Object.fromEntries(
    ids.map((id) => [`${field}_${id}`, wrong.includes(id) ? 'not the answer' : (answers.get(id) ?? 'unknown')]),
  );
}

/** Posts a whole set of answers to an enrollment (or change) page, with the page's CSRF token. */
export async function postAnswerSet(
  browser: Browser,
  path: string,
  answers: ReadonlyMap<string, string> = ANSWERS,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const csrf = await browser.gatewayCsrf(path);
  const fields = Object.fromEntries([...answers].map(([id, text]) => [`answer_${id}`, text]));
  return browser.post(path, { csrf_token: csrf, ...fields, ...extra });
}

/** The questions the step-up page asks now, and its CSRF token. */
export async function stepUpQuestions(browser: Browser): Promise<{ asked: string[]; csrf: string }> {
  const page = await browser.get('/_gateway/step-up');
  assert.equal(page.status, 200, `step-up page: ${page.status} ${page.location ?? ''}`);
  const csrf = formField(page.text, 'csrf_token');
  assert.ok(csrf);
  return { asked: askedIn(page.text), csrf };
}

/** Answers the step-up questions (right, or wrong for the ids in `wrong`). */
export async function answerStepUp(
  browser: Browser,
  answers: ReadonlyMap<string, string> = ANSWERS,
  wrong: readonly string[] = [],
): Promise<Answer> {
  const { asked, csrf } = await stepUpQuestions(browser);
  return browser.post('/_gateway/step-up', { csrf_token: csrf, ...answerFields(asked, 'answer', answers, wrong) });
}
