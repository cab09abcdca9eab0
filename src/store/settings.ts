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

const lmdb = z
  .strictObject({
    type: z
      .literal('lmdb')
      .describe(
        'Keep state in an LMDB database on this machine (`file`, the JSON store of earlier versions, now means this).',
      ),
    path: z
      .string()
      .min(1)
      .default('data/store.lmdb')
      .describe(
        'The LMDB data file (mode 0600; its folder is created 0700; the lock file is PATH-lock). The gateway and the CLI open it at once. A JSON store of earlier versions (this name with .json) is imported once at start-up and kept as a backup.',
      ),
  })
  .describe(
    'An embedded LMDB database: the durable default for one machine (the gateway and the CLI share it while it runs).',
  );

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

/**
 * `type: file` names the JSON file store of earlier versions: it now means LMDB, in the same
 * folder (store.json -> store.lmdb), which imports that file once.
 */
function fileAlias(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || (input as { type?: unknown }).type !== 'file') return input;
  const { path, ...rest } = input as { path?: unknown };
  const lmdbPath = typeof path === 'string' && path !== '' ? `${path.replace(/\.[^./\\]*$/, '')}.lmdb` : path;
  return { ...rest, type: 'lmdb', ...(lmdbPath === undefined ? {} : { path: lmdbPath }) };
}

export const storeSchema = z
  .preprocess(fileAlias, z.discriminatedUnion('type', [memory, lmdb, redis]))
  .prefault({ type: 'lmdb' })
  .describe('Where the gateway keeps sessions, enrollments, counters and lockouts.');

export type StoreSettings = z.output<typeof storeSchema>;
