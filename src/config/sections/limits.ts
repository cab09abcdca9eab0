// Owns the `limits` section: body bounds and guessing limits (docs/security-model.md, S5).

import { z } from 'zod';
import { durationField, sizeField } from '../duration.js';

const lockout = (failures: number, window: string, duration: string, what: string) =>
  z
    .strictObject({
      failures: z.number().int().min(1).default(failures).describe(`Failures within the window that lock ${what}.`),
      window: durationField('The window failures are counted in.').prefault(window),
      duration: durationField('How long the lockout lasts.').prefault(duration),
    })
    .prefault({});

export const limitsSchema = z
  .strictObject({
    login_body: sizeField('Largest login request body read (413 above).').prefault('64KB'),
    withheld_body: sizeField(
      'Largest login answer kept for replay after the second step; larger ones send the browser to login.landing_path.',
    ).prefault('256KB'),
    pending_attempts: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Wrong second-step answers that end a pending login.'),
    second_step: lockout(5, '10m', '15m', 'the user and, separately, the address out of the second step').describe(
      'Second-step failures, counted per user and per client address.',
    ),
    password: lockout(
      10,
      '10m',
      '15m',
      "the user and, separately, the address out of the app's password form",
    ).describe("Failures of the app's own password form, counted per user and per client address."),
  })
  .prefault({})
  .describe('Bounds and guessing limits.');

export type LimitsSettings = z.output<typeof limitsSchema>;
