// Owns the `users`, `policy`, `enrollment` and `totp` sections: who is an admin, what each
// role must pass, and who may enroll a first factor (S12).

import { z } from 'zod';

const username = z.string().min(1);

import { parseCidr } from '../../net/ip-matcher.js';
import { LIST_NAME } from '../allowlist-data.js';

/** The kinds of second step a policy can name (factors/factor.ts has the same list as a type). */
export const FACTOR_KINDS = ['totp', 'passkey', 'questions'] as const;

const cidr = z.string().refine((text) => parseCidr(text) !== undefined, 'must be an IP address or CIDR range');

export const usersSchema = z
  .strictObject({
    default_role: z.string().min(1).default('user').describe('Role of a user named nowhere else.'),
    admins: z
      .array(username)
      .default([])
      .describe('Always admins: the store cannot demote them (canonicalised like login usernames).'),
    roles: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe('Further fixed roles, username: role (e.g. bob: staff). The CLI adds roles in the store.'),
  })
  .prefault({})
  .describe('Users and roles. Roles set with `gateway users set-role` are added from the store.');

const rolePolicy = z.strictObject({
  second_step: z
    .enum(['required', 'optional'])
    .default('optional')
    .describe(
      'required: no session without a second step (enrollment first if none); optional: only for users who enrolled one.',
    ),
  factors: z
    .array(z.enum(FACTOR_KINDS))
    .min(1)
    .optional()
    .describe(
      'The kinds of second step this role may use (totp, passkey, questions), e.g. [totp, passkey] keeps admins off security questions and [passkey] requires passkeys; all by default (passkeys where `passkeys` has an origin).',
    ),
  trusted_browser_days: z
    .number()
    .int()
    .min(1)
    .max(400)
    .optional()
    .describe(
      'Offer "trust this browser" for this many days after a passed second step: a later login of the same user in that browser skips the second step (never the password or the allowlist). Off when absent.',
    ),
  allowlist: z
    .string()
    .regex(LIST_NAME, 'must be a list name')
    .optional()
    .describe('The allowlist this role may log in and work from (see `allowlists`); none: any address.'),
});

export const policySchema = z
  .record(z.string().min(1), rolePolicy)
  .default({ admin: { second_step: 'required' }, staff: { second_step: 'optional', allowlist: 'staff' } })
  .describe(
    'Per role. A role not listed has an optional second step and no allowlist. The default binds staff to the list named staff.',
  );

export const enrollmentSchema = z
  .strictObject({
    first: z
      .enum(['open', 'networks', 'code'])
      .default('open')
      .describe(
        'Who may enroll a first factor: any logged-in user, only from `networks`, or only with a one-time code from `gateway users enroll-code`.',
      ),
    networks: z
      .array(cidr)
      .default([])
      .describe('Networks from which a first enrollment is allowed (first: networks).'),
  })
  .prefault({})
  .describe('First enrollment (S12). Replacing or removing a factor always requires passing it.');

export const totpSchema = z
  .strictObject({
    issuer: z
      .string()
      .min(1)
      .regex(/^[^:]+$/, 'must not contain ":"')
      .default('Login gateway')
      .describe('Name shown in the authenticator app.'),
  })
  .prefault({})
  .describe('TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step), as Google Authenticator reads it.');
