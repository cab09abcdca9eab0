// Headless Chromium for the browser suite: Debian's /usr/bin/chromium driven by playwright-core
// (a browser is never downloaded), one per test file, closed in after(); and a journey per test:
// the login harness (demo app + gateway + clock) and a page with its own cookies, both closed
// when the test ends.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { after, type TestContext } from 'node:test';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { type LoginHarness, type LoginHarnessOptions, startLoginHarness } from './login-harness.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** A phone-width viewport (an iPhone 12 to 15 in CSS pixels). */
export const PHONE_VIEWPORT = { width: 390, height: 844 } as const;

/** Generous per-action and per-navigation deadline: a busy CI machine can stall for seconds. */
export const BROWSER_TIMEOUT_MS = 30_000;

/** A whole browser journey's deadline, for `test(name, { timeout })`. */
export const JOURNEY_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  readonly browser: Browser;
  /** A page in a new incognito context: its own cookies, shared with no other test. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

async function requireChromium(): Promise<void> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `the browser suite needs Debian's Chromium at ${CHROMIUM_PATH}: run \`apt-get install chromium\` (it never downloads a browser)`,
    );
  }
}

/**
 * Launches Chromium for this test file and closes it in the file's after(); each test opens
 * incognito contexts, so no cookie passes from one test to the next.
 *
 * launch(), not launchPersistentContext(dir): a persistent context also opens a default tab
 * (its renderer, and the processes behind it) that no test uses. Measured on 2 loaded cores,
 * launching took 1.7-1.9 CPU-s and 6.3 s in 9-10 processes that way, 0.6-0.8 CPU-s and 2.2-2.9 s
 * in 3 processes with launch(). playwright-core gives launch()'s browser a temporary profile
 * folder and removes it when the browser closes.
 */
export async function startBrowser(): Promise<TestBrowser> {
  await requireChromium();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: BROWSER_TIMEOUT_MS * 2,
  });
  const contexts = new Set<BrowserContext>();
  let closing: Promise<void> | undefined;
  const handle: TestBrowser = {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext(options);
      contexts.add(context);
      context.once('close', () => contexts.delete(context));
      context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
      return context.newPage();
    },
    close() {
      closing ??= (async () => {
        try {
          await Promise.all([...contexts].map((context) => context.close()));
        } finally {
          await browser.close();
        }
      })();
      return closing;
    },
  };
  after(() => handle.close());
  return handle;
}

export interface Journey {
  readonly harness: LoginHarness;
  readonly page: Page;
}

/**
 * One test's world: a fresh demo app and gateway (memory store, fresh data folder, gateway.yaml's
 * login sections, a test clock) and a page of its own. When the test ends the page's context closes
 * first (its WebSocket and event stream with it), so that the gateway's shutdown has nothing to drain.
 */
export async function startJourney(
  t: TestContext,
  browser: TestBrowser,
  options: { harness?: LoginHarnessOptions; context?: BrowserContextOptions } = {},
): Promise<Journey> {
  const harness = await startLoginHarness(options.harness);
  let page: Page;
  try {
    page = await browser.newPage({ baseURL: harness.gatewayUrl, ...options.context });
  } catch (error) {
    await harness.close();
    throw error;
  }
  t.after(async () => {
    try {
      await page.context().close();
    } finally {
      await harness.close();
    }
  });
  return { harness, page };
}

/** The path of the page's current URL. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** Where a sign-in with the right password can lead: the app's dashboard, or a second step the gateway asks for. */
const SIGN_IN_OUTCOMES = new Set(['/dashboard', '/_gateway/enroll', '/_gateway/step-up']);

/** Signs in with the app's own login form, as a person would; returns the path the browser landed on. */
export async function signInWithAppForm(page: Page, user: string, password: string): Promise<string> {
  await page.goto('/login');
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Any of the outcomes ends the wait, so that a test expecting another fails at once with the path.
  await page.waitForURL((url) => SIGN_IN_OUTCOMES.has(url.pathname));
  return pathOf(page);
}

/** Signs out with the app's own button (its top bar's form posting to /logout) and waits for its login page. */
export async function signOutWithAppButton(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/login');
}
