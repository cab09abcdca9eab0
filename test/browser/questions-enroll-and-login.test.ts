// Issue 5 in a real browser: an admin without an authenticator app picks security questions on
// the enrollment page, answers 5 of the 8 (a refused form keeps what was typed), reaches the
// app; every later login asks 2 of them, the right answers open the dashboard and a wrong one
// gets the one generic message. The pages fit a phone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  JOURNEY_TIMEOUT_MS,
  PHONE_VIEWPORT,
  pathOf,
  signInWithAppForm,
  signOutWithAppButton,
  startBrowser,
  startJourney,
} from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';
import { ANSWERS } from '../helpers/questions.js';

const browser = await startBrowser();
const GENERIC_FAILURE = 'Those answers did not work. Please try again.';

/** The question ids of the answer fields on the page, in page order. */
async function askedOnPage(page: Page): Promise<string[]> {
  const names = await page.locator('input.answer').evaluateAll((inputs) => inputs.map((input) => input.id));
  return names.map((name) => name.replace(/^answer_/, ''));
}

/** Fills the answers of `ids`, the one in `wrong` with something else. */
async function fillAnswers(page: Page, ids: readonly string[], wrong?: string): Promise<void> {
  for (const id of ids)
    await page.locator(`#answer_${id}`).fill(id === wrong ? 'Garfield' : (ANSWERS.get(id) as string));
}

test(
  'an admin sets up security questions at the first login, then answers 2 at every login',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const { page } = await startJourney(t, browser, { context: { viewport: PHONE_VIEWPORT, isMobile: true } });
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/enroll');
    await page.getByRole('link', { name: 'Answer security questions instead' }).click();
    await page.waitForURL((url) => url.pathname === '/_gateway/enroll/questions');
    assert.equal((await askedOnPage(page)).length, 8, 'all 8 questions');

    // Four answers: refused on the same page, with the typed answers still there.
    const four = [...ANSWERS.keys()].slice(0, 4);
    await fillAnswers(page, four);
    await page.getByRole('button', { name: 'Turn on security questions' }).click();
    await page.getByRole('alert').filter({ hasText: 'Please answer at least 5 questions.' }).waitFor();
    for (const id of four) assert.equal(await page.locator(`#answer_${id}`).inputValue(), ANSWERS.get(id));
    const wide = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(wide <= PHONE_VIEWPORT.width, `the form is ${wide}px wide on a phone`);

    await fillAnswers(page, [...ANSWERS.keys()]);
    await page.getByRole('button', { name: 'Turn on security questions' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await page.locator('.topbar .user', { hasText: ADMIN.user }).waitFor();
    await signOutWithAppButton(page);

    // The next login: 2 of the answered questions, answered right.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
    const asked = await askedOnPage(page);
    assert.equal(asked.length, 2);
    for (const id of asked) assert.ok(ANSWERS.has(id), `${id} was answered`);
    await fillAnswers(page, asked);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await signOutWithAppButton(page);

    // And a wrong answer: the generic message, the same questions again, nothing of the app.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
    const again = await askedOnPage(page);
    await fillAnswers(page, again, again[1]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: GENERIC_FAILURE }).waitFor();
    assert.equal(pathOf(page), '/_gateway/step-up');
    assert.deepEqual(await askedOnPage(page), again, 'the same questions');
    const api = await page.request.get('/api/invoices', { headers: { accept: 'application/json' } });
    assert.equal(api.status(), 401, 'the pending login reaches nothing of the app');
  },
);
