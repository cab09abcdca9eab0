// Owns the `session` section: the gateway's own cookie and the lifetimes of sessions and
// pending logins (docs/security-model.md, S4).

import { z } from 'zod';
import { durationField } from '../duration.js';

export const sessionSchema = z
  .strictObject({
    cookie_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('gw_session')
      .describe('Name of the gateway cookie; it gets the __Host- prefix whenever the request is HTTPS.'),
    idle: durationField('A session unused this long ends.').prefault('30m'),
    absolute: durationField('A session ends this long after login, used or not.').prefault('12h'),
    pending: durationField('A login waiting for its second step ends after this long.').prefault('5m'),
    max_per_user: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe("A user's sessions at most; a login beyond it ends that user's oldest sessions."),
    max_pending_per_user: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        "A user's logins waiting for their second step at most; a new one beyond it ends the oldest and logs its app session out.",
      ),
    anonymous: durationField("Lifetime of the sealed cookie holding an anonymous visitor's upstream cookies.").prefault(
      '2h',
    ),
  })
  .prefault({})
  .describe('Gateway sessions (HMAC-signed cookie, HttpOnly, SameSite=Lax, Secure behind TLS).');

export type SessionSettings = z.output<typeof sessionSchema>;
