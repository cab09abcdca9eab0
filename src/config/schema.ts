// Owns the shape of gateway.yaml: every key, its type, default and description.
// The rest of the code sees only the typed, frozen result (GatewayConfig).

import { z } from 'zod';
import { keysSchema } from '../crypto/keys.js';
import { parseCidr } from '../net/ip-matcher.js';
import { metricsSchema } from '../ops/metrics-settings.js';
import { storeSchema } from '../store/settings.js';
import { durationField, sizeField } from './duration.js';
import { routeLoops } from './route-loops.js';
import { allowlistsSchema } from './sections/allowlists.js';
import { enrollmentSchema, policySchema, totpSchema, usersSchema } from './sections/identity.js';
import { limitsSchema } from './sections/limits.js';
import { loginSchema, publicPathsSchema } from './sections/login.js';
import { passkeysSchema, relyingPartyProblem } from './sections/passkeys.js';
import { questionsSchema } from './sections/questions.js';
import { rulesSchema } from './sections/rules.js';
import { sessionSchema } from './sections/session.js';

const duration = durationField;

const cidr = z
  .string()
  .superRefine((text, ctx) => {
    if (!parseCidr(text))
      ctx.addIssue({ code: 'custom', message: `must be an IP address or CIDR range, got "${text}"` });
  })
  .meta({ type: 'IP or CIDR' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).meta({ type: 'URL' });

/** An http(s) URL naming an origin only: "http://host:3001/" is allowed, a path or query is not. */
const httpOrigin = httpUrl.refine(
  (url) => /^https?:\/\/[^/?#]+\/?$/i.test(url),
  'must be an origin (scheme, host and port) without a path',
);

/** The identity headers by default; these names are removed from client requests even when others are configured. */
export const DEFAULT_IDENTITY_HEADERS = { user: 'X-Gateway-User', role: 'X-Gateway-Role' } as const;

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
  .meta({ type: 'header name' });

const port = z.number().int().min(0).max(65535);

const pathPrefix = z
  .string()
  .regex(
    /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/,
    'must be an absolute path such as /_gateway, without a trailing slash',
  )
  .meta({ type: 'path' });

const tls = z
  .strictObject({
    cert_file: z.string().min(1).describe('PEM certificate chain file.'),
    key_file: z.string().min(1).describe('PEM private key file (a secret: keep it mode 0600).'),
  })
  .describe('Terminate TLS in the gateway (for deployments without a load balancer in front).');

const listen = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
    port: port.default(8080).describe('Port to listen on (0 picks a free one).'),
    tls: tls.optional(),
    gateway_prefix: pathPrefix
      .default('/_gateway')
      .describe("Path prefix of the gateway's own pages; never forwarded upstream."),
    shutdown_grace: duration('How long SIGTERM waits for requests in flight before closing them.').prefault('10s'),
    keep_alive_timeout: duration('How long an idle client connection is kept open.').prefault('5s'),
    headers_timeout: duration("How long a client may take to send a request's headers.").prefault('30s'),
    client_idle_timeout: duration(
      'Silence on a client connection (no byte either way, mid-request included) before it is closed; WebSockets are exempt.',
    ).prefault('5m'),
    body_timeout: duration(
      "How long a client may take to send a request's body after its headers (408 after it), plus the time body_min_rate allows for what it has sent.",
    ).prefault('60s'),
    body_min_rate: sizeField(
      'Per second: each part of a body received this fast earns the time it took on top of body_timeout, so large uploads at a decent rate are never cut.',
    ).prefault('8KB'),
    max_connections: z
      .number()
      .int()
      .min(1)
      .default(800)
      .describe(
        'Open client connections at most; more are closed at once. Keep it below the open-file limit (ulimit -n) minus upstream.connections and the store.',
      ),
    max_connections_per_client: z
      .number()
      .int()
      .min(1)
      .default(256)
      .describe(
        'Open connections from one client address at most (peers in trusted_proxies are exempt); more are closed at once.',
      ),
  })
  .prefault({})
  .describe('Where the gateway listens.');

const upstream = z
  .strictObject({
    url: httpOrigin.describe('Origin of the protected app (http or https), reachable only through the gateway.'),
    connections: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(128)
      .describe('Keep-alive connections to the upstream at most.'),
    identity_headers: z
      .strictObject({
        user: headerName
          .optional()
          .describe('Header carrying the signed-in user (canonical name) to the app; X-Gateway-User by default.'),
        role: headerName.optional().describe("Header carrying the user's role to the app; X-Gateway-Role by default."),
      })
      .prefault(DEFAULT_IDENTITY_HEADERS)
      .describe(
        'Headers the gateway asserts to the app for a full session; a client sending them, in any spelling, has them removed first (S8). Set {} to send none (they are still removed).',
      ),
    preserve_host: z
      .boolean()
      .default(false)
      .describe(
        "Send the client's Host header upstream instead of the upstream's own (X-Forwarded-Host carries it either way).",
      ),
    timeouts: z
      .strictObject({
        connect: duration('Connecting to the upstream (504 after it).').prefault('5s'),
        headers: duration("Waiting for the upstream's response headers (504 after it).").prefault('60s'),
        idle: duration('Silence in the middle of a response body before it is cut off.').prefault('5m'),
      })
      .prefault({})
      .describe('Upstream timeouts.'),
    rewrite: z
      .strictObject({
        location: z
          .boolean()
          .default(true)
          .describe(
            "Rewrite Location headers naming the upstream's address to the public origin (as nginx's proxy_redirect).",
          ),
        cookie_domain: z
          .boolean()
          .default(true)
          .describe(
            "Drop a Set-Cookie Domain naming the upstream's host, so the cookie binds to the public host (as proxy_cookie_domain).",
          ),
        public_origin: httpOrigin
          // Rewriting prepends it to a path: "https://example.com/" must lose its slash.
          .transform((url) => new URL(url).origin)
          .optional()
          .describe('Public origin used in rewrites; by default the scheme and Host of each request.'),
      })
      .prefault({})
      .describe('How upstream answers that name its internal address are rewritten.'),
  })
  .describe('The protected app.');

const logging = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino log level; access lines are info.'),
  })
  .prefault({})
  .describe('Logs: pino JSON on standard output.');

const sections = z.strictObject({
  listen,
  upstream,
  trusted_proxies: z
    .array(cidr)
    .default([])
    .describe('Peers (addresses or CIDR ranges) whose X-Forwarded-For, -Proto and X-Request-Id are believed.'),
  logging,
  metrics: metricsSchema,
  data_dir: z
    .string()
    .min(1)
    .default('data')
    .describe('Folder for generated keys (and the LMDB store by default); created mode 0700.'),
  keys: keysSchema,
  store: storeSchema,
  public_paths: publicPathsSchema,
  rules: rulesSchema,
  login: loginSchema,
  session: sessionSchema,
  users: usersSchema,
  policy: policySchema,
  enrollment: enrollmentSchema,
  totp: totpSchema,
  passkeys: passkeysSchema,
  questions: questionsSchema,
  allowlists: allowlistsSchema,
  limits: limitsSchema,
});

type Sections = z.output<typeof sections>;

/**
 * Passkeys asked for (an origin or RP ID set, a role's factors naming them) need a relying party
 * WebAuthn accepts; check-config refuses one it would reject rather than every sign-in failing.
 */
function passkeyRules(config: Sections, ctx: z.RefinementCtx): void {
  const { passkeys } = config;
  const origin = passkeys.origin ?? config.upstream.rewrite.public_origin;
  const explicit = passkeys.origin !== undefined || passkeys.rp_id !== undefined;
  const roles = Object.entries(config.policy).filter(([, rule]) => rule.factors?.includes('passkey'));
  if (!explicit && roles.length === 0) return;
  if (origin === undefined) {
    for (const [role] of roles) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', role, 'factors'],
        message: 'passkey needs an origin: set passkeys.origin or upstream.rewrite.public_origin',
      });
    }
    if (passkeys.rp_id !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['passkeys', 'rp_id'],
        message: 'needs passkeys.origin (or a public origin)',
      });
    }
    return;
  }
  const problem = relyingPartyProblem(origin, passkeys.rp_id ?? new URL(origin).hostname);
  if (problem !== undefined) {
    const path = passkeys.rp_id !== undefined ? ['passkeys', 'rp_id'] : ['passkeys', 'origin'];
    ctx.addIssue({ code: 'custom', path, message: problem });
  }
}

/** Rules that span sections, reported at the key an operator would change. */
export const configSchema = sections.superRefine((config, ctx) => {
  const { login, session, allowlists } = config;
  passkeyRules(config, ctx);
  if (allowlists.source === 'redis') {
    if (config.store.type !== 'redis') {
      ctx.addIssue({
        code: 'custom',
        path: ['allowlists', 'source'],
        message: 'redis needs store.type: redis (the lists are kept in the store)',
      });
    }
    for (const key of ['lists', 'users'] as const) {
      if (Object.keys(allowlists[key]).length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowlists', key],
          message: 'with source: redis the lists live in Redis: edit them with `gateway allowlist` or the admin page',
        });
      }
    }
  }
  if (!login) {
    if (config.rules.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules'],
        message: 'needs a login section: without one the gateway has no sessions to ask anything of',
      });
    }
    return;
  }
  for (const loop of routeLoops({ login, rules: config.rules, public_paths: config.public_paths }))
    ctx.addIssue({ code: 'custom', path: loop.path, message: loop.message });
  const own = [session.cookie_name, `${session.cookie_name}_anon`, `${session.cookie_name}_trust`];
  const gatewayCookies = new Set([...own, ...own.map((name) => `__Host-${name}`)]);
  login.pass_through_cookies.forEach((name, index) => {
    if (gatewayCookies.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['login', 'pass_through_cookies', index],
        message: `"${name}" is the gateway's own cookie, which never reaches the app`,
      });
    }
  });
});

/** The validated configuration: durations in milliseconds, defaults filled in. */
export type GatewayConfig = z.output<typeof configSchema>;
