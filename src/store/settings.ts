// Owns the `store` section of gateway.yaml: which backend keeps the gateway's shared state and
// how to reach it. A Redis password never sits in the file: a URL carrying one comes from the
// environment variable that url_env names.

import { z } from 'zod';
import { durationField } from '../config/duration.js';

/** True when `text` is a URL with a password in it (a secret that belongs in the environment). */
function hasPassword(text: string): boolean {
  return URL.canParse(text) && new URL(text).password !== '';
}

const memory = z
  .strictObject({ type: z.literal('memory').describe('Keep state in the gateway process.') })
  .describe('In memory: lost at every restart, one gateway process only. For tests and trials.');

const file = z
  .strictObject({
    type: z.literal('file').describe('Keep state in a JSON file.'),
    path: z
      .string()
      .min(1)
      .default('data/store.json')
      .describe('The store file (mode 0600; its folder is created 0700). One gateway process per file.'),
  })
  .describe('A durable file, written atomically: the embedded default for one gateway process.');

const redis = z
  .strictObject({
    type: z.literal('redis').describe('Keep state in Redis, shared by every gateway process.'),
    url: z
      .string()
      .refine((text) => /^rediss?:\/\//.test(text) && URL.canParse(text), 'must be a redis:// or rediss:// URL')
      .refine(
        (text) => !hasPassword(text),
        'must not contain a password: put the URL in an environment variable named by url_env',
      )
      .optional()
      .describe(
        'Redis URL without a password, such as redis://127.0.0.1:6379/0 (rediss:// for TLS). With sentinels or a cluster only its credentials, database and TLS are used.',
      ),
    url_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
      .optional()
      .describe('Name of the environment variable holding the Redis URL; use it when the URL carries a password.'),
    prefix: z
      .string()
      .min(1)
      .default('gateway:')
      .describe('Put before every key, so that one Redis can serve several deployments.'),
    sentinels: z
      .array(
        z.strictObject({
          host: z.string().min(1).describe('Sentinel host.'),
          port: z.number().int().min(1).max(65535).describe('Sentinel port.'),
        }),
      )
      .min(1)
      .optional()
      .describe('Redis Sentinel addresses; the master is found through them (needs sentinel_name).'),
    sentinel_name: z.string().min(1).optional().describe('The master group name the sentinels monitor.'),
    cluster: z
      .strictObject({
        nodes: z
          .array(
            z
              .string()
              .min(1)
              .refine((text) => !hasPassword(text), 'must not contain a password: use url_env for credentials'),
          )
          .min(1)
          .describe('Startup nodes (redis:// URLs or host:port); the others are discovered.'),
      })
      .optional()
      .describe('Redis Cluster: keys are spread over its nodes.'),
    command_timeout: durationField(
      'How long a store call may wait for Redis before it fails (the gateway then answers 503).',
    )
      // A zero timeout would fail every call.
      .refine((ms) => ms > 0, 'must be longer than 0')
      .prefault('1s'),
  })
  .superRefine((settings, ctx) => {
    if ((settings.url === undefined) === (settings.url_env === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'set exactly one of url and url_env' });
    }
    if ((settings.sentinels === undefined) !== (settings.sentinel_name === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['sentinel_name'], message: 'sentinels and sentinel_name go together' });
    }
    if (settings.sentinels && settings.cluster) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'use either sentinels or cluster, not both' });
    }
  })
  .describe('Redis (standalone, Sentinel or Cluster): for several gateway processes.');

export const storeSchema = z
  .discriminatedUnion('type', [memory, file, redis])
  .prefault({ type: 'file' })
  .describe('Where the gateway keeps sessions, enrollments, counters and lockouts.');

export type StoreSettings = z.output<typeof storeSchema>;
