// End-to-end harness for the login layer: the demo invoicing app (optionally the naive one
// that keeps its session id at sign-in) behind the real gateway, configured as gateway.yaml
// configures the demo, on a clock the test moves, with small cookie-keeping "browsers".

import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { Agent, request } from 'undici';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createInvoiceApp, type InvoiceApp } from '../../examples/invoice-app/app.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { createFileConfigSource, createStaticConfigSource } from '../../src/config/source.js';
import { type Gateway, startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { type ConfigInput, memoryLog, testConfig } from './gateway.js';
import { TEST_APP_PASSWORD_COST, TEST_HASHER } from './hashing.js';

/** The sections of gateway.yaml that describe the demo app's login; the rest is the harness's. */
const LOGIN_SECTIONS = [
  'public_paths',
  'login',
  'session',
  'users',
  'policy',
  'enrollment',
  'totp',
  'questions',
  'allowlists',
  'limits',
];
/**
 * Added to the demo's staff list (loopback): the documentation ranges (RFC 5737) that tests
 * behind a trusted proxy reach the gateway from through X-Forwarded-For. Tests of the
 * allowlists set their own lists.
 */
const TEST_CLIENT_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];
const STEP_MS = 30_000;

export const ADMIN = { user: 'alice', password: 'alice-password' } as const;
export const STAFF = { user: 'bob', password: 'bob-password' } as const;
export const APP_SESSION_COOKIE = 'invoice_sid';

/** A clock the gateway reads (sessions, pending logins, TOTP) and the test moves. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** Starts 10 s into a 30 s TOTP step, so that one step either way stays inside the gateway's window. */
export function createClock(start = Math.floor(Date.now() / STEP_MS) * STEP_MS + 10_000): TestClock {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

/** The code an authenticator app shows for this secret at the clock's time, `steps` steps away. */
export function totpCode(secret: string, clock: TestClock, steps = 0): string {
  return generateSync({ secret, epoch: Math.floor(clock.now() / 1000) + steps * 30 });
}

/** What the app received (before it routed it). */
export interface AppRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Answers a request in front of the app; returns true when it answered, false to let the app route it. */
export type AppFront = (req: IncomingMessage, res: ServerResponse, app: InvoiceApp) => boolean;

export interface LoginHarnessOptions {
  /** The app keeps its pre-login session id at sign-in (session fixation on purpose). */
  naiveApp?: boolean;
  /** The app reads logins leniently (query on GET, JSON sniffed from a form, `bob` signs in as `bob@corp.example`). */
  lenientApp?: boolean;
  /** Deep-merged over the configuration (objects merge, arrays and values replace). */
  overrides?: Record<string, unknown>;
  /** Share a clock between gateways; a fresh one by default. */
  clock?: TestClock;
  /** Reuse a data folder (key files, an LMDB store); a fresh temporary one by default. */
  dataDir?: string;
  /** "lmdb": the durable store, as data_dir/store.lmdb (readable by the test, kept across gateways). */
  store?: 'memory' | 'lmdb';
  /** Keep the configuration in a file the gateway watches (data_dir/gateway.yaml), so editConfig can change it live. */
  liveConfig?: boolean;
  /** Runs before the app's router: extra routes, lenient path spellings. */
  front?: AppFront;
  /** Start the gateway in front of this app instead of a new one (a second gateway, a restart). */
  app?: RunningApp;
}

export interface RunningApp {
  readonly app: InvoiceApp;
  /** The app's own base URL, for asking it directly (behind the gateway's back). */
  readonly appUrl: string;
  /** Every request the app received, in order. */
  readonly received: AppRequest[];
}

export interface LoginHarness extends RunningApp {
  readonly gateway: Gateway;
  /** The gateway's base URL. */
  readonly gatewayUrl: string;
  readonly config: Readonly<GatewayConfig>;
  readonly clock: TestClock;
  readonly dataDir: string;
  /** The gateway's whole log so far. */
  logText(): string;
  /** A new browser with an empty cookie jar. */
  browser(): Browser;
  /** Rewrites the watched configuration file with these overrides merged in, and reloads it (liveConfig only). */
  editConfig(overrides: Record<string, unknown>): Promise<void>;
  /** The code for `secret` now (or `steps` steps away), by the harness clock. */
  code(secret: string, steps?: number): string;
  /** Logs the admin in for the first time and enrolls TOTP; moves the clock one step past the code used. */
  enrollAdmin(): Promise<{ secret: string; recoveryCodes: string[]; browser: Browser }>;
  /** Requests the app received whose path starts with `prefix`. */
  receivedAt(prefix: string): AppRequest[];
  /** Asks the app directly (not through the gateway) whether this app session id is signed in. */
  appSessionWorks(sid: string): Promise<boolean>;
  /** The app session id the gateway last confirmed a login with (its GET /api/me, login.identity). */
  lastConfirmedSession(): string;
  close(): Promise<void>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else in `over` replaces what is in `base`. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/** The login-related sections of the repository's gateway.yaml. */
async function demoSections(): Promise<Record<string, unknown>> {
  const text = await readFile(new URL('../../gateway.yaml', import.meta.url), 'utf8');
  const yaml = parseYaml(text) as Record<string, unknown>;
  const sections = Object.fromEntries(LOGIN_SECTIONS.filter((key) => key in yaml).map((key) => [key, yaml[key]]));
  const allowlists = sections.allowlists as { lists: Record<string, unknown[]> };
  allowlists.lists.staff = [...(allowlists.lists.staff ?? []), ...TEST_CLIENT_RANGES];
  return sections;
}

/** With source redis the lists live in Redis: the demo's YAML lists are left out unless the test gives some. */
function withoutYamlListsForRedis(input: Record<string, unknown>, overrides: Record<string, unknown>) {
  const allowlists = input.allowlists as Record<string, unknown> | undefined;
  const given = (overrides.allowlists ?? {}) as Record<string, unknown>;
  if (allowlists?.source !== 'redis') return input;
  const { lists, users, ...rest } = allowlists;
  return {
    ...input,
    allowlists: { ...rest, ...('lists' in given ? { lists } : {}), ...('users' in given ? { users } : {}) },
  };
}

/** The demo's login sections with `base` and then a test's overrides merged in: a gateway configuration as an object. */
export async function demoConfigInput(
  base: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return withoutYamlListsForRedis(deepMerge({ ...(await demoSections()), ...base }, overrides), overrides);
}

/** Starts the demo app with a recorder (and an optional front) before its router. */
export async function startDemoApp(
  options: { naive?: boolean; lenient?: boolean; front?: AppFront } = {},
): Promise<RunningApp> {
  const app = createInvoiceApp({
    rotateSessionOnLogin: !options.naive,
    lenient: options.lenient,
    passwordCost: TEST_APP_PASSWORD_COST,
  });
  const received: AppRequest[] = [];
  const [route] = app.server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (!route) throw new Error('the demo app has no request listener');
  app.server.removeAllListeners('request');
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (!options.front?.(req, res, app)) route(req, res);
  });
  return { app, appUrl: await app.listen(0), received };
}

/** Starts the demo app (unless given one) and a gateway in front of it. */
export async function startLoginHarness(options: LoginHarnessOptions = {}): Promise<LoginHarness> {
  const running =
    options.app ?? (await startDemoApp({ naive: options.naiveApp, lenient: options.lenientApp, front: options.front }));
  const ownsApp = options.app === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'login-harness-')));
  const release = async () => {
    if (ownsApp) await running.app.close();
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    return await startInFront(running, dataDir, options, release);
  } catch (error) {
    // A configuration the gateway refuses must fail the test, not leave the app listening.
    await release();
    throw error;
  }
}

async function startInFront(
  running: RunningApp,
  dataDir: string,
  options: LoginHarnessOptions,
  release: () => Promise<void>,
): Promise<LoginHarness> {
  const clock = options.clock ?? createClock();
  const input = (await demoConfigInput(
    {
      upstream: { url: running.appUrl },
      data_dir: dataDir,
      store: options.store === 'lmdb' ? { type: 'lmdb', path: join(dataDir, 'store.lmdb') } : { type: 'memory' },
      logging: { level: 'info' },
    },
    options.overrides,
  )) as ConfigInput;
  const config = await testConfig(input);
  const log = memoryLog();
  const logger = createLogger({ level: config.logging.level, destination: log.stream });
  const configFile = join(dataDir, 'gateway.yaml');
  const writeConfig = async (next: Record<string, unknown>) => {
    await writeFile(`${configFile}.tmp`, stringifyYaml({ ...next, listen: { host: '127.0.0.1', port: 0 } }));
    await rename(`${configFile}.tmp`, configFile);
  };
  if (options.liveConfig) await writeConfig(input);
  const source = options.liveConfig
    ? await createFileConfigSource(configFile, logger)
    : createStaticConfigSource(config);
  const gateway = await startGateway({ config: source, logger, now: clock.now, hashCost: TEST_HASHER.cost });
  const agent = new Agent();

  const harness: LoginHarness = {
    ...running,
    gateway,
    gatewayUrl: gateway.url,
    config,
    clock,
    dataDir,
    logText: log.text,
    browser: () => new Browser(gateway.url, agent, clock),
    code: (secret, steps = 0) => totpCode(secret, clock, steps),
    async editConfig(overrides) {
      if (!options.liveConfig) throw new Error('editConfig needs liveConfig: true');
      await writeConfig(deepMerge(input, overrides));
      await source.reload();
    },
    async enrollAdmin() {
      const browser = harness.browser();
      const answer = await browser.login(ADMIN.user, ADMIN.password);
      if (answer.location !== `${config.listen.gateway_prefix}/enroll`)
        throw new Error(`expected enrollment after the first admin login, got ${answer.status} ${answer.location}`);
      const enrolled = await browser.enroll();
      // The code just used is spent (S5): the next login needs the next step's code.
      clock.advance(STEP_MS);
      return { secret: enrolled.secret, recoveryCodes: enrolled.recoveryCodes, browser };
    },
    receivedAt: (prefix) => running.received.filter((r) => r.url.startsWith(prefix)),
    async appSessionWorks(sid) {
      const res = await request(`${running.appUrl}/api/me`, {
        headers: { cookie: `${APP_SESSION_COOKIE}=${sid}` },
        dispatcher: agent,
      });
      await res.body.dump();
      return res.statusCode === 200;
    },
    lastConfirmedSession() {
      const cookie = String(harness.receivedAt('/api/me').at(-1)?.headers.cookie);
      const sid = new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(cookie)?.[1];
      if (!sid) throw new Error('no login was confirmed with an app session');
      return sid;
    },
    async close() {
      await gateway.shutdown();
      await agent.close();
      await release();
    },
  };
  return harness;
}

/** One answer as a browser saw it. */
export interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly location: string | undefined;
  readonly setCookies: string[];
  readonly text: string;
}

export interface RequestOptions {
  /** Form fields (an object) or a raw form-encoded body. */
  form?: Record<string, string> | string;
  json?: unknown;
  /** A raw body; give its content-type in headers. */
  body?: string | Buffer;
  headers?: Record<string, string>;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';

/** The value of a hidden form field in an HTML page. */
export function formField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/**
 * A browser as far as cookies go: one host, so a jar keyed by name; Set-Cookie honoured
 * (Max-Age=0 and past Expires delete); redirects not followed, so every answer is seen.
 */
export class Browser {
  /** Every answer this browser got, in order. */
  readonly answers: Answer[] = [];

  constructor(
    readonly baseUrl: string,
    private readonly agent: Agent,
    private readonly clock: TestClock,
    readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser, one cookie jar, sending its next requests to another gateway (as a load balancer would). */
  via(gateway: { readonly gatewayUrl: string }): Browser {
    return new Browser(gateway.gatewayUrl, this.agent, this.clock, this.cookies);
  }

  /** A second browser holding copies of this one's cookies (a stolen or planted cookie jar). */
  clone(): Browser {
    const copy = new Browser(this.baseUrl, this.agent, this.clock);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: BROWSER_ACCEPT, ...options.headers };
    let body = options.body;
    if (options.form !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = typeof options.form === 'string' ? options.form : new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    }
    if (this.cookies.size > 0 && !('cookie' in headers)) headers.cookie = this.cookieHeader();
    const res = await request(`${this.baseUrl}${path}`, { method, headers, body, dispatcher: this.agent });
    const text = await res.body.text();
    const raw = res.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const line of setCookies) this.store(line);
    const location = res.headers.location;
    const answer: Answer = {
      method,
      path,
      status: res.statusCode,
      headers: res.headers,
      location: Array.isArray(location) ? location[0] : location,
      setCookies,
      text,
    };
    this.answers.push(answer);
    return answer;
  }

  get(path: string, headers?: Record<string, string>): Promise<Answer> {
    return this.request('GET', path, { headers });
  }

  /** A fetch()/XHR-style GET that prefers JSON. */
  getJson(path: string): Promise<Answer> {
    return this.request('GET', path, { headers: { accept: 'application/json' } });
  }

  post(path: string, form: Record<string, string> | string, headers?: Record<string, string>): Promise<Answer> {
    return this.request('POST', path, { form, headers });
  }

  /** The app's login page (through the gateway) and its CSRF token. */
  async loginPage(next?: string, headers?: Record<string, string>): Promise<{ answer: Answer; csrf: string }> {
    const answer = await this.get(next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`, headers);
    const csrf = formField(answer.text, 'csrf_token');
    if (answer.status !== 200 || csrf === undefined) throw new Error(`no login form: ${answer.status}`);
    return { answer, csrf };
  }

  /** Fills in and posts the app's login form, as a person would (the form's CSRF token first). */
  async login(
    user: string,
    password: string,
    options: { next?: string; path?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const { csrf } = await this.loginPage(options.next, options.headers);
    const form: Record<string, string> = { csrf_token: csrf, username: user, password };
    if (options.next !== undefined) form.next = options.next;
    return this.post(options.path ?? '/login', form, options.headers);
  }

  /** The app's CSRF token for its JSON API (GET /api/csrf). */
  async apiCsrf(): Promise<string> {
    const answer = await this.getJson('/api/csrf');
    return (JSON.parse(answer.text) as { csrfToken: string }).csrfToken;
  }

  /** The JSON login of the app's own scripts: POST /api/login with X-CSRF-Token. */
  async jsonLogin(user: string, password: string): Promise<Answer> {
    const token = await this.apiCsrf();
    return this.request('POST', '/api/login', {
      json: { username: user, password },
      headers: { accept: 'application/json', 'x-csrf-token': token },
    });
  }

  /** The CSRF token of a gateway form page. */
  async gatewayCsrf(path: string): Promise<string> {
    const answer = await this.get(path);
    const csrf = formField(answer.text, 'csrf_token');
    if (csrf === undefined) throw new Error(`no gateway form at ${path}: ${answer.status}`);
    return csrf;
  }

  /** Reads the secret from the enrollment page, posts its current code; returns the recovery codes shown. */
  async enroll(path = '/_gateway/enroll'): Promise<{ secret: string; recoveryCodes: string[]; answer: Answer }> {
    const page = await this.get(path);
    const secret = /id="totp-secret">([^<]+)</.exec(page.text)?.[1];
    const csrf = formField(page.text, 'csrf_token');
    if (!secret || !csrf) throw new Error(`no enrollment form at ${path}: ${page.status}`);
    const answer = await this.post(path, { csrf_token: csrf, code: totpCode(secret, this.clock) });
    const list = /id="recovery-codes">(.*?)<\/ol>/s.exec(answer.text)?.[1] ?? '';
    const recoveryCodes = [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((match) => match[1] as string);
    return { secret, recoveryCodes, answer };
  }

  /** Posts a code (or a recovery code) to the step-up form. */
  async stepUp(code: string): Promise<Answer> {
    const csrf = await this.gatewayCsrf('/_gateway/step-up');
    return this.post('/_gateway/step-up', { csrf_token: csrf, code });
  }

  /** Applies one Set-Cookie line to the jar, as a browser would for this host. */
  private store(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attribute of attributes) {
      const [key = '', value = ''] = attribute.split('=', 2).map((part) => part.trim());
      if (key.toLowerCase() === 'max-age') maxAge = Number(value);
      else if (key.toLowerCase() === 'expires') expires = Date.parse(value);
    }
    // Max-Age wins over Expires (RFC 6265 5.3 step 3).
    const expired = maxAge !== undefined ? maxAge <= 0 : expires !== undefined && expires <= Date.now();
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, pair.slice(eq + 1).trim());
  }
}
