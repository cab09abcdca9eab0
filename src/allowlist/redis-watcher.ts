// Owns a gateway's live copy of the allowlists kept in Redis: read once at start, re-read when
// a change is published (a subscription on its own connection, for speed) and whenever the
// version counter moved (checked every second, so a missed message heals), compiled once per
// change. If Redis goes away the last good lists stay in force; until the first successful
// read there are none, and staff are refused (S11).

import { type CompiledAllowlists, compileAllowlists, withCanonicalUsers } from '../config/allowlist-data.js';
import type { Logger } from '../ops/logger.js';
import type { RedisStoreOptions } from '../store/redis.js';
import { createRedisClient } from '../store/redis-client.js';
import { allowlistConnectionOptions, connectAllowlists } from './redis-lists.js';

export interface AllowlistWatcher {
  /** The lists read last; undefined until the first successful read. */
  current(): CompiledAllowlists | undefined;
  /** Resolves true once the lists have loaded, or false after timeoutMs without them. */
  loaded(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface WatchOptions {
  redis: RedisStoreOptions;
  /** The login's canonical form of a username, as in force now. */
  canonicalUser: (name: string) => string;
  logger: Logger;
  /** How often the version counter is checked (default 1 s). */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 1_000;

/** Starts watching; the first read begins at once, in the background. */
export function watchRedisAllowlists(options: WatchOptions): AllowlistWatcher {
  const { logger } = options;
  const reader = connectAllowlists(options.redis);
  // Subscribed connections take no other command: the notifications get their own.
  const subscriber = createRedisClient(allowlistConnectionOptions(options.redis));
  let lists: CompiledAllowlists | undefined;
  let version: string | undefined;
  let failing = false;
  let closed = false;
  let forceRead = true;
  let running: Promise<void> | undefined;
  let again = false;
  let firstLoad: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    firstLoad = resolve;
  });

  async function refreshOnce(): Promise<void> {
    try {
      const latest = await reader.version();
      if (!forceRead && lists && latest === version) return recovered();
      forceRead = false;
      const snapshot = await reader.readAll();
      if (snapshot.skipped.length > 0) {
        logger.warn(
          { event: 'allowlist.entries_skipped', entries: snapshot.skipped },
          'entries in Redis that do not parse were left out (edit the lists with `gateway allowlist`)',
        );
      }
      lists = compileAllowlists(withCanonicalUsers(snapshot.data, options.canonicalUser));
      version = snapshot.version;
      logger.info({ event: 'allowlist.loaded', source: 'redis', version }, 'allowlists loaded from Redis');
      recovered();
      firstLoad();
    } catch (error) {
      forceRead ||= lists === undefined;
      if (failing) return;
      failing = true;
      logger.warn(
        { event: 'allowlist.read_failed', err: error },
        lists
          ? 'cannot read the allowlists from Redis: the last good lists stay in force'
          : 'cannot read the allowlists from Redis: staff are refused until they load',
      );
    }
  }

  function recovered(): void {
    if (!failing) return;
    failing = false;
    logger.info({ event: 'allowlist.read_recovered' }, 'the allowlists are read from Redis again');
  }

  /** One read at a time; a request for another during one runs once more after it. */
  function refresh(force = false): void {
    forceRead ||= force;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await refreshOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
  }

  subscriber.on('error', () => {
    // Reported by the reads that fail; the subscription comes back with the connection.
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(reader.keys.channel).then(
      // Changes published while there was no subscription were missed: read again once there is one.
      () => refresh(true),
      (error: Error) => {
        logger.warn({ event: 'allowlist.subscribe_failed', err: error }, 'cannot subscribe to allowlist changes');
      },
    );
  });
  subscriber.on('message', () => refresh());
  // A Redis that restarted may hold other lists under the same version number.
  reader.client.on('ready', () => refresh(true));

  const poll = setInterval(() => refresh(), options.pollMs ?? DEFAULT_POLL_MS);
  poll.unref();
  refresh(true);

  return {
    current: () => lists,
    async loaded(timeoutMs) {
      if (lists) return true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const done = await Promise.race([first.then(() => true as const), timeout]);
      clearTimeout(timer);
      return done;
    },
    async close() {
      closed = true;
      clearInterval(poll);
      await running;
      await Promise.all([reader.runner.close(), subscriber.quit().catch(() => subscriber.disconnect())]);
    },
  };
}
