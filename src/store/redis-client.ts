// Owns the ioredis connection of the Redis store (standalone, Sentinel or Cluster), set up to
// fail fast: no offline queue and no resending after a reconnect, so that nothing piles up
// while Redis is away and a call that was refused while it was away never runs later; ioredis
// keeps reconnecting in the background. (A call that timed out after reaching a slow Redis may
// still have run there: its outcome is unknown, as with any timeout.)

import { createRequire } from 'node:module';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from './store.js';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL; with sentinels or a cluster only its credentials, database and TLS are used. */
  url: string;
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  cluster?: { nodes: string[] };
  commandTimeoutMs: number;
  /** Lua scripts defined as commands; without numberOfKeys, a call passes the key count first. */
  scripts: Record<string, { lua: string; numberOfKeys?: number }>;
}

/**
 * ioredis, loaded at the first client: a gateway that never talks to Redis (the LMDB or memory
 * store, YAML allowlists) does not carry its 15 MB of RSS (issue 17). It is CommonJS, so a
 * synchronous require keeps createRedisClient synchronous.
 */
const ioredis = () => createRequire(import.meta.url)('ioredis') as typeof import('ioredis');

/** Reconnect attempts back off from 50 ms to this, and go on forever. */
const MAX_RECONNECT_DELAY_MS = 1000;

/** Creates the client; it connects in the background. */
export function createRedisClient(options: RedisConnectionOptions): RedisClient {
  const { Cluster, Redis } = ioredis();
  const perConnection = {
    // Commands in flight when the connection drops fail at once and are not resent later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The client settles a command that gets no answer, so none piles up behind a dead connection.
    commandTimeout: options.commandTimeoutMs,
    // A connection that answers nothing for a few timeouts (a frozen server, a dropped route) is
    // dropped and reconnected rather than kept until TCP keep-alive notices.
    socketTimeout: options.commandTimeoutMs * 3,
    // On close, ioredis waits this long (2 s by default) for a socket that is already closed when
    // Redis was away, holding a finished process open: a command's time is plenty.
    disconnectTimeout: options.commandTimeoutMs,
  } satisfies RedisOptions;
  // A command sent while disconnected fails at once instead of waiting in an unbounded queue.
  const enableOfflineQueue = false;

  if (options.cluster) {
    // The node connections keep their queue (ioredis does not let it go): they connect lazily,
    // on the first command, and a node that drops out is replaced rather than reconnected.
    return new Cluster(options.cluster.nodes, {
      enableOfflineQueue,
      scripts: options.scripts,
      redisOptions: { ...perConnection, ...credentialsOf(options.url) },
    });
  }
  return new Redis(options.url, {
    ...perConnection,
    enableOfflineQueue,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
    scripts: options.scripts,
    ...(options.sentinels
      ? {
          sentinels: options.sentinels,
          name: options.sentinelName,
          // Without this ioredis reaches the master the sentinels name over plain TCP even for a
          // rediss:// URL; the sentinels themselves are asked without TLS.
          enableTLSForSentinelMode: isTls(options.url),
        }
      : {}),
  });
}

/** The credentials and TLS choice of a URL, for the nodes a cluster discovers by itself. */
function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(isTls(url) ? { tls: {} } : {}),
  };
}

/** A rediss:// URL asks for TLS to the data nodes. */
function isTls(url: string): boolean {
  return new URL(url).protocol === 'rediss:';
}

/** Runs commands on one client within one deadline each; every failure is a StoreUnavailableError. */
export interface RedisRunner {
  run<T>(command: () => Promise<T>): Promise<T>;
  /** Closes the client; later calls reject. */
  close(): Promise<void>;
}

/**
 * Wraps a client so that each call settles within timeoutMs, waiting for a connection included:
 * without an offline queue ioredis refuses a command at once while it (re)connects, and waiting
 * here lets a call made at start-up or during a short reconnect succeed.
 */
export function createRedisRunner(client: RedisClient, timeoutMs: number, what = 'Redis'): RedisRunner {
  // Connection errors are reported by the calls that fail; without a listener ioredis would
  // print each one. The last one explains the next StoreUnavailableError.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  let closed = false;
  let ready: Promise<void> | undefined;

  /** Resolves when the client is connected (one shared listener, however many calls wait). */
  function untilReady(): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    ready ??= new Promise((resolve) =>
      client.once('ready', () => {
        ready = undefined;
        resolve();
      }),
    );
    return ready;
  }

  return {
    async run<T>(command: () => Promise<T>): Promise<T> {
      if (closed) throw new StoreUnavailableError(`the ${what} connection is closed`);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const reason = lastError ? ` (last error: ${lastError.message})` : '';
          reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms${reason}`));
        }, timeoutMs);
      });
      try {
        await Promise.race([untilReady(), deadline]);
        return await Promise.race([command(), deadline]);
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        throw new StoreUnavailableError(`Redis failed: ${(error as Error).message}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // QUIT lets the replies in flight arrive; when Redis is away there is nothing to wait for.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
