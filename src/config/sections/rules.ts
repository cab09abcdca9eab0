// Owns the `rules` section: per-path access rules within the app (issue 16), an ordered list
// where the first rule that matches a request's routing path and method decides what it needs.

import { z } from 'zod';
import { durationField } from '../duration.js';
import { toRoutingPath } from './login.js';

const ACCESS_WORDS = ['public', 'session', 'second_step', 'deny'] as const;

/** What a rule asks of a request; `fresh_second_step` carries its duration in milliseconds. */
const access = z
  .union([
    z.enum(ACCESS_WORDS),
    z.strictObject({
      fresh_second_step: durationField('A second step passed within this time.'),
    }),
  ])
  .meta({ type: 'public, session, second_step, deny or { fresh_second_step: DURATION }' });

/**
 * A rule's path, as the public paths spell them: "/x" is that path, "/x/" also everything below
 * it; "*" stands for any text within one segment ("/invoices/*\/export"). Stored in routing form,
 * so every spelling of a path meets the same rule (S1).
 */
const rulePath = z
  .string()
  .transform((path, ctx) => ({
    prefix: path.endsWith('/') && path !== '/',
    // "*" is an ordinary character of a routing path: it keeps its place through the canonical form.
    path: toRoutingPath(
      path,
      ctx,
      'must be an absolute path; end it with "/" for everything below it, "*" for any text within a segment',
    ),
  }))
  .meta({ type: 'path' });

const rule = z.strictObject({
  path: rulePath,
  methods: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z]+$/, 'must be an HTTP method such as POST')
        .transform((method) => method.toUpperCase()),
    )
    .min(1)
    .optional(),
  access,
});

export const rulesSchema = z
  .array(rule)
  .default([])
  .meta({ type: 'list of { path, methods, access }' })
  .describe(
    'Rules per path of the app, first match wins: { path, methods (all by default), access }, access being public, session, second_step, deny or { fresh_second_step: 5m }. ' +
      'A path ending in "/" covers everything below it; "*" is any text within one segment. public_paths are public rules after these. Needs a login section.',
  );

export type RuleSettings = z.output<typeof rulesSchema>[number];
