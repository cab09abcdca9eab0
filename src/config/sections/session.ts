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
    anonymous: durationField("Lifetime of the sealed cookie holding an anonymous visitor's upstream cookies.").prefault(
      '2h',
    ),
  })
  .prefault({})
  .describe('Gateway sessions (HMAC-signed cookie, HttpOnly, SameSite=Lax, Secure behind TLS).');

export type SessionSettings = z.output<typeof sessionSchema>;
