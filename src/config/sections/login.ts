// Owns the `login` and `public_paths` sections: how the upstream's login exchange looks,
// and which paths reach the upstream without a gateway session (S0).

import { z } from 'zod';
import { parseRequestTarget } from '../../net/request-target.js';
import { appPage, capturePattern, identitySchema } from './login-identity.js';

/** The routing path of a configured path, or undefined when it is not an absolute path without a query. */
function routingPathOf(path: string): string | undefined {
  const parsed = path.startsWith('/') ? parseRequestTarget(path) : undefined;
  return parsed?.ok && parsed.target.search === '' ? parsed.target.routingPath : undefined;
}

/** The routing path of a configured path, or an issue saying what a path must be. */
export function toRoutingPath(path: string, ctx: z.RefinementCtx, expected: string, at: string[] = []): string {
  const routingPath = routingPathOf(path);
  if (routingPath === undefined)
    ctx.addIssue({ code: 'custom', path: at, message: `${expected}, got ${JSON.stringify(path)}` });
  return routingPath ?? path;
}

/** An app path, stored as its routing path (so "/Login/" in the YAML matches every spelling). */
export const appPath = z
  .string()
  .transform((path, ctx) => toRoutingPath(path, ctx, 'must be an absolute path without a query'))
  .meta({ type: 'path' });

const queryParameters = z
  .record(z.string().min(1), z.string())
  .meta({ type: 'map of name: value' })
  .describe(
    'Query parameters the route requires, e.g. { action: logout } for GET /login.pl?action=logout: each exactly once, with exactly this value.',
  );

/** The parameters of a configured query ("a=b&c=d"); a name given twice is an issue (no app reads it one way). */
function parametersOf(search: string, ctx: z.RefinementCtx): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    if (name in parameters) ctx.addIssue({ code: 'custom', message: `names the query parameter "${name}" twice` });
    parameters[name] = value;
  }
  return parameters;
}

/**
 * A route of the app: its method, its path (matched in routing form, so every spelling is the
 * route, S1) and the query parameters it requires. `url` is the path and query as written: what
 * the gateway sends when it calls the route itself (S14: Django answers "/admin/logout" with a
 * 301 and keeps its session; only "/admin/logout/" logs out).
 */
const routeFields = {
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .transform((method) => method.toUpperCase())
    .default('POST'),
  path: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII (percent-encode the rest)')
    .meta({ type: 'path' }),
  query: queryParameters.optional(),
};

/** A route in its matched form (routing path) beside the form it is called in (url, as written). */
function toRoute(
  { method, path, query = {} }: { method: string; path: string; query?: Record<string, string> },
  ctx: z.RefinementCtx,
) {
  const search = new URLSearchParams(query).toString();
  return {
    method,
    path: toRoutingPath(path, ctx, 'must be an absolute path without a query (give the query as query:)', ['path']),
    query,
    url: search === '' ? path : `${path}?${search}`,
  };
}

const route = z.strictObject(routeFields).transform(toRoute);

/**
 * Where the app's logout wants its CSRF token from (Django, the demo app): a page of the app
 * fetched with the session's cookies, a pattern whose first group is the token, and the form field
 * or header to send it in. The page's cookies (Django's csrftoken) go with the logout.
 */
const logoutCsrf = z
  .strictObject({
    page: appPage.describe('A page of the app showing the token, fetched (GET) with the session, e.g. /admin/.'),
    pattern: capturePattern('the token').describe(
      'Where the token is in that page, e.g. name="csrfmiddlewaretoken" value="([^"]+)".',
    ),
    field: z.string().min(1).optional().describe('The form field the logout takes the token in (a form body is sent).'),
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .optional()
      .describe('The header the logout takes the token in, e.g. X-CSRF-Token.'),
  })
  .refine((csrf) => csrf.field !== undefined || csrf.header !== undefined, 'give field or header (or both)')
  .optional()
  .describe("The app's CSRF token for the gateway's own call of the logout route.");

/** A logout route: a route, and what the gateway's own call of it needs (a CSRF token). */
const logoutRoute = z
  .strictObject({ ...routeFields, csrf: logoutCsrf })
  .transform(({ csrf, ...fields }, ctx) => ({ ...toRoute(fields, ctx), ...(csrf && { csrf }) }));

export type RouteSettings = z.output<typeof route>;
export type LogoutRouteSettings = z.output<typeof logoutRoute>;

/**
 * Public paths: "/login" is that path only; "/static/" (a trailing slash) is everything below
 * it; "/invoice.pl?action=public" that path with that query parameter (issue 12). Compared
 * with routing paths, so no spelling of a private path passes as a public one.
 */
export const publicPathsSchema = z
  .array(
    z
      .string()
      .transform((text, ctx) => {
        const queryAt = text.indexOf('?');
        const path = queryAt === -1 ? text : text.slice(0, queryAt);
        const prefix = path.endsWith('/') && path !== '/';
        if (queryAt !== -1 && prefix)
          ctx.addIssue({ code: 'custom', message: `a path ending in "/" takes no query, got ${JSON.stringify(text)}` });
        return {
          prefix,
          path: toRoutingPath(path, ctx, 'must be an absolute path; end it with "/" for everything below it'),
          query: queryAt === -1 ? {} : parametersOf(text.slice(queryAt + 1), ctx),
        };
      })
      .meta({ type: 'path' }),
  )
  .default([])
  .describe(
    'Paths that reach the app without a gateway session (its login page and assets, password reset, public links). ' +
      'A path ending in "/" covers everything below it; "/view.pl?action=public" is that path when its query carries action=public exactly once.',
  );

export const loginSchema = z
  .strictObject({
    routes: z
      .array(route)
      .min(1)
      .meta({ type: 'list of { method, path, query }' })
      .describe(
        'The routes that check a password ({method, path, query}); their answers are intercepted. A credential on a login path is a login whatever its query.',
      ),
    page: z
      .string()
      .regex(/^\/(?![/\\])[^\s\\#]*$/, 'must be a same-site absolute path such as /login')
      .describe("The app's login page, where a browser without a session is sent."),
    return_param: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional()
      .describe(
        'Query parameter of the login page that names where to go after login (e.g. next); the gateway sets it to the path the browser asked for, same-origin only.',
      ),
    username_field: z.string().min(1).default('username').describe('The form or JSON field holding the username.'),
    password_field: z
      .string()
      .min(1)
      .default('password')
      .describe(
        'The form or JSON field holding the password. A request to a login path carrying it (or the username) anywhere, with any method, is handled as a login.',
      ),
    multipart: z
      .boolean()
      .default(false)
      .describe(
        'The app takes its login as multipart/form-data. Off: a multipart login body is refused (400), since parsers disagree on it.',
      ),
    username: z
      .strictObject({
        trim: z.boolean().default(true).describe('Remove surrounding white space.'),
        nfkc: z.boolean().default(true).describe('Unicode NFKC (fullwidth and compatibility forms fold).'),
        case_fold: z.boolean().default(true).describe('Compare usernames case-insensitively.'),
      })
      .prefault({})
      .describe('How usernames are canonicalised before any lookup.'),
    failure: z
      .strictObject({
        statuses: z
          .array(z.number().int().min(100).max(599))
          .default([401, 403, 422])
          .describe('Statuses that mean a wrong password.'),
        redirect_to: z.array(appPath).default([]).describe('A redirect to one of these paths means a wrong password.'),
        body_contains: z
          .string()
          .min(1)
          .optional()
          .describe('Text in the answer that means a wrong password (a form shown again).'),
      })
      .prefault({})
      .describe(
        'What a failed login looks like. Anything else counts as a success and is withheld until the second step.',
      ),
    logout_routes: z
      .array(logoutRoute)
      .default([])
      .meta({ type: 'list of { method, path, query }' })
      .describe("The app's logout routes ({method, path, query}): they end the gateway session too."),
    landing_path: z
      .string()
      .regex(/^\/(?!\/)[^\\]*$/)
      .default('/')
      .describe(
        'Where the browser goes after the second step when the withheld answer was too large to keep, or was a redirect leaving the site.',
      ),
    identity: identitySchema,
    identity_check: z
      .strictObject({
        path: appPage,
        field: z.string().min(1).default('username').describe('Dotted path of the username in that JSON.'),
      })
      .optional()
      .describe('Deprecated: read as login.identity with source: json (same path and field).'),
    pass_through_cookies: z
      .array(z.string().min(1))
      .default([])
      .describe('Upstream cookies the browser may hold itself (a JavaScript-readable XSRF token, a language choice).'),
  })
  .superRefine((login, ctx) => {
    if (login.identity && login.identity_check)
      ctx.addIssue({
        code: 'custom',
        path: ['identity_check'],
        message: 'give login.identity only (identity_check is its old form)',
      });
  })
  .transform(({ identity_check, ...login }) => ({
    ...login,
    // The old key, kept readable: it is the json source under its new name.
    identity: login.identity ?? (identity_check && identitySchema.parse({ source: 'json', ...identity_check })),
  }))
  .optional()
  .describe('The upstream login exchange. Without it, the gateway is a plain reverse proxy with no session layer.');

export type LoginSettings = NonNullable<z.output<typeof loginSchema>>;
export type PublicPath = z.output<typeof publicPathsSchema>[number];
