// Owns the `limits` section: body bounds and guessing limits (docs/security-model.md, S5).

import { z } from 'zod';
import { durationField, sizeField } from '../duration.js';

const lockout = (
  defaults: { failures: number; userFailures: number; addressUsers: number },
  window: string,
  duration: string,
) =>
  z
    .strictObject({
      failures: z
        .number()
        .int()
        .min(1)
        .default(defaults.failures)
        .describe('Failures of one user from one address within the window that lock that user at that address.'),
      user_failures: z
        .number()
        .int()
        .min(1)
        .default(defaults.userFailures)
        .describe('Failures of one user from any address within the window that lock the user everywhere.'),
      address_users: z
        .number()
        .int()
        .min(2)
        .default(defaults.addressUsers)
        .describe(
          'Distinct users failing from one address within the window that lock the address for everyone (credential stuffing).',
        ),
      window: durationField('The window failures are counted in.').prefault(window),
      duration: durationField('How long a lock lasts.').prefault(duration),
    })
    .prefault({});

const hashing = z
  .strictObject({
    wait: durationField(
      'How long an argon2 check may wait for its turn before the gateway answers 503 (the check did not happen).',
    ).prefault('5s'),
    run: durationField(
      'How long one argon2 check may run before its helper process is deemed stuck and replaced (about a hundred times what one takes).',
    ).prefault('10s'),
  })
  .prefault({})
  .describe('The bounded argon2id runner (security-question answers); read at start-up.');

export const limitsSchema = z
  .strictObject({
    login_body: sizeField('Largest login request body read (413 above).').prefault('64KB'),
    withheld_body: sizeField(
      'Largest login answer kept for replay after the second step; larger ones send the browser to login.landing_path.',
    ).prefault('256KB'),
    held_body: sizeField(
      'Largest request body held while a fresh_second_step rule asks for the second step again (413 above).',
    ).prefault('256KB'),
    pending_attempts: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Wrong second-step answers that end a pending login.'),
    second_step: lockout({ failures: 5, userFailures: 10, addressUsers: 5 }, '10m', '15m').describe(
      'Wrong second-step answers, counted per user and address, per user, and per address in distinct users.',
    ),
    password: lockout({ failures: 10, userFailures: 20, addressUsers: 20 }, '10m', '15m').describe(
      "Failures of the app's own password form, counted per user and address, per user, and per address in distinct users.",
    ),
    hashing,
  })
  .prefault({})
  .describe('Bounds and guessing limits.');

export type LimitsSettings = z.output<typeof limitsSchema>;
