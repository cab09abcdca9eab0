// A small real upstream in the manner of an old CGI invoicing app (SQL-Ledger and its kin), and
// a gateway configured for it: its login POST /cgi/login.pl answers 200 with a frameset whose
// frame sources are relative (menu.pl, main.pl), and each frame needs the app's session cookie.
// The login's `next` field, when given, is followed blindly (the app's own open redirect), so
// tests can see what the gateway does with a withheld redirect that leaves the site.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { createStaticConfigSource } from '../../src/config/source.js';
import { type Gateway, startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { memoryLog, testConfig } from './gateway.js';
import { type Answer, Browser, createClock, type TestClock, totpCode } from './login-harness.js';
import { type RecordedRequest, startUpstream, type TestUpstream } from './upstream.js';

export const CGI_ADMIN = { user: 'ada', password: 'ada-password' } as const;
/** A second admin, for the security-question step (one second step per user). */
export const CGI_QUESTIONS_ADMIN = { user: 'quinn', password: 'quinn-password' } as const;
export const CGI_SESSION_COOKIE = 'cgi_sid';
export const LOGIN_PATH = '/cgi/login.pl';
/** Text of the app's own login form: what a GET of the login path shows without a replay. */
export const LOGIN_FORM_TEXT = 'Sign in to the ledger';
export const FRAMESET_TEXT = 'Ledger frameset';

const PASSWORDS: ReadonlyMap<string, string> = new Map(
  [CGI_ADMIN, CGI_QUESTIONS_ADMIN].map(({ user, password }) => [user, password]),
);

function page(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(html);
}

/** The app's users by session id: a cookie the browser never holds behind the gateway. */
function createCgiHandler(sessions: Map<string, string>) {
  const userOf = (req: IncomingMessage) => {
    const sid = /(?:^|;\s*)cgi_sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid === undefined ? undefined : sessions.get(sid);
  };
  return (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path === LOGIN_PATH && req.method === 'POST') {
      const form = new URLSearchParams(recorded.body.toString());
      const user = form.get('login') ?? '';
      if (PASSWORDS.get(user) !== form.get('password')) {
        return page(res, 200, '<p>Invalid login. Please try again.</p>');
      }
      const sid = randomBytes(16).toString('hex');
      sessions.set(sid, user);
      const cookie = `${CGI_SESSION_COOKIE}=${sid}; Path=/cgi; HttpOnly`;
      const next = form.get('next');
      if (next !== null) {
        res.writeHead(302, { location: next, 'set-cookie': cookie });
        return res.end();
      }
      return page(
        res,
        200,
        `<!DOCTYPE html><html><head><title>${FRAMESET_TEXT}</title></head>` +
          '<frameset cols="25%,75%"><frame name="menu" src="menu.pl"><frame name="main" src="main.pl"></frameset></html>',
        { 'set-cookie': cookie },
      );
    }
    if (path === LOGIN_PATH) {
      return page(
        res,
        200,
        `<h1>${LOGIN_FORM_TEXT}</h1><form method="post" action="login.pl">` +
          '<input name="login"><input name="password" type="password"><button>Sign in</button></form>',
      );
    }
    const user = userOf(req);
    if (path === '/cgi/menu.pl' && user) return page(res, 200, `<p id="menu">Menu of ${user}</p>`);
    if (path === '/cgi/main.pl' && user) return page(res, 200, `<p id="main">Main page of ${user}</p>`);
    page(res, path === '/cgi/menu.pl' || path === '/cgi/main.pl' ? 403 : 404, '<p>Not here.</p>');
  };
}

/** The gateway's configuration for the CGI app: its own login section, identity read from main.pl. */
function cgiConfig(upstreamUrl: string, dataDir: string, store: Record<string, unknown>) {
  return {
    upstream: { url: upstreamUrl },
    data_dir: dataDir,
    store,
    logging: { level: 'info' },
    public_paths: [LOGIN_PATH],
    login: {
      routes: [{ method: 'POST', path: LOGIN_PATH }],
      page: LOGIN_PATH,
      username_field: 'login',
      failure: { body_contains: 'Invalid login' },
      landing_path: '/cgi/main.pl',
      identity: { source: 'page', path: '/cgi/main.pl', pattern: 'Main page of ([^<]+)' },
    },
    users: { admins: [CGI_ADMIN.user, CGI_QUESTIONS_ADMIN.user] },
    policy: { admin: { second_step: 'required' } },
    totp: { issuer: 'CGI ledger' },
  };
}

export interface CgiHarness {
  readonly app: TestUpstream;
  readonly gateway: Gateway;
  readonly gatewayUrl: string;
  readonly clock: TestClock;
  readonly dataDir: string;
  /** The gateway's whole log so far. */
  logText(): string;
  /** A new cookie-keeping client with an empty jar. */
  browser(): Browser;
  /** The code for `secret` now, by the harness clock. */
  code(secret: string): string;
  close(): Promise<void>;
}

export interface CgiHarnessOptions {
  /** The gateway's store section; memory by default. */
  store?: Record<string, unknown>;
  /** A second gateway in front of this harness's app, with its clock and data folder (so its keys). */
  beside?: CgiHarness;
}

/** Starts the CGI app (unless beside another harness) and a gateway in front of it, on a test clock. */
export async function startCgiHarness(options: CgiHarnessOptions = {}): Promise<CgiHarness> {
  const { beside } = options;
  const app = beside?.app ?? (await startUpstream(createCgiHandler(new Map())));
  const dataDir = beside?.dataDir ?? (await mkdtemp(join(tmpdir(), 'cgi-harness-')));
  const clock = beside?.clock ?? createClock();
  const log = memoryLog();
  const config = await testConfig(cgiConfig(app.url, dataDir, options.store ?? { type: 'memory' }));
  const logger = createLogger({ level: config.logging.level, destination: log.stream });
  const gateway = await startGateway({ config: createStaticConfigSource(config), logger, now: clock.now });
  const agent = new Agent();
  return {
    app,
    gateway,
    gatewayUrl: gateway.url,
    clock,
    dataDir,
    logText: log.text,
    browser: () => new Browser(gateway.url, agent, clock),
    code: (secret) => totpCode(secret, clock),
    async close() {
      await gateway.shutdown();
      await agent.close();
      if (beside) return;
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Posts the app's login form through the gateway (fields as the app names them; `next` is the app's open redirect). */
export function cgiLogin(
  browser: Browser,
  who: { user: string; password: string } = CGI_ADMIN,
  fields: Record<string, string> = {},
): Promise<Answer> {
  return browser.post(LOGIN_PATH, { login: who.user, password: who.password, ...fields });
}
