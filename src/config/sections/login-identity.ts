// Owns `login.identity`: where the gateway reads who the app signed in (S13). Apps fold names in
// ways the gateway cannot guess (a short name for name@company, an e-mail for a user name), so
// the policy applies to the user the app names, read from its login answer or asked with the
// new session, never only to the name typed into the form.

import { z } from 'zod';

/** A regular expression with a capture group: the first group that matched is `what` (the user, a token). */
export function capturePattern(what: string) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      let groups: number;
      try {
        groups = (new RegExp(`${text}|`).exec('') ?? []).length - 1;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not a regular expression: ${(error as Error).message}` });
        return;
      }
      if (groups < 1) ctx.addIssue({ code: 'custom', message: `needs a capture group, such as (.+), for ${what}` });
    })
    .meta({ type: 'regular expression' });
}

const pattern = capturePattern('the user');

export const appPage = z
  .string()
  .regex(/^\/(?![/\\])[^\s\\#]*$/, 'must be a same-site absolute path such as /api/me')
  .describe('A page of the app, fetched (GET) with the new session.');

export const identitySchema = z
  .discriminatedUnion('source', [
    z
      .strictObject({
        source: z.literal('cookie').describe('The name of a cookie the login answer sets.'),
        pattern: pattern.describe('Matched against each cookie name, e.g. SL-(.+) for SQL-Ledger.'),
      })
      .describe('The name of a cookie the login answer sets (percent-decoded).'),
    z
      .strictObject({
        source: z.literal('location').describe('The Location of the login answer.'),
        pattern: pattern.describe('Matched against the Location, e.g. ^/users/([^/?]+) (percent-decoded).'),
      })
      .describe('The redirect of the login answer.'),
    z
      .strictObject({
        source: z.literal('header').describe('A header of the login answer.'),
        header: z.string().min(1).describe('Its name, e.g. X-Logged-In-User.'),
        pattern: pattern.default('^(.+)$').describe('Matched against its value.'),
      })
      .describe('A header of the login answer.'),
    z
      .strictObject({
        source: z.literal('body').describe('The body of the login answer (up to limits.withheld_body).'),
        pattern: pattern.describe('Matched against the body, e.g. "user":"([^"]+)".'),
      })
      .describe('The body of the login answer.'),
    z
      .strictObject({
        source: z.literal('json').describe('A JSON "who am I" endpoint of the app.'),
        path: appPage,
        field: z
          .string()
          .min(1)
          .default('username')
          .describe('Dotted path of the username in that JSON (e.g. user.name).'),
      })
      .describe('A JSON "who am I" endpoint, asked with the new session.'),
    z
      .strictObject({
        source: z.literal('page').describe('An HTML page of the app.'),
        path: appPage,
        pattern: pattern.describe('Matched against the page, e.g. <span id="user">([^<]+)</span> (entities decoded).'),
      })
      .describe('An HTML page (a profile, the dashboard), fetched with the new session.'),
  ])
  .optional()
  .describe(
    'Where the app says who it signed in (S13). The confirmed user is the one sessions, roles, factors, lockouts and allowlists apply to; a login whose answer names nobody is refused.',
  );

export type IdentitySource = NonNullable<z.output<typeof identitySchema>>;
