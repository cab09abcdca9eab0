// A real Redis Sentinel setup for tests: one master, one replica and three sentinels (quorum 2)
// on free ports of 127.0.0.1, ready once the replica is in sync and every sentinel knows the
// replica and the two other sentinels. killMaster() is the outage a failover answers: the
// master dies, the sentinels agree it is down and promote the replica.

import { Redis } from 'ioredis';
import {
  askRedis,
  onMasters,
  type RedisDeployment,
  type RedisServer,
  startRedisServer,
  subscribersOn,
} from './redis-server.js';
import { waitFor } from './wait.js';

export const SENTINEL_MASTER_NAME = 'mymaster';
const SENTINELS = 3;
const QUORUM = 2;
/** How long a failover may take on a loaded machine (detection, vote, promotion, a retried vote). */
const FAILOVER_DEADLINE_MS = 90_000;

export interface RedisSentinelSetup extends RedisDeployment {
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** Resolves once the replica holds every write the master has taken so far. */
  replicaCaughtUp(): Promise<void>;
  /**
   * Kills the master (SIGKILL, nothing saved) and resolves once every sentinel names the replica
   * as the master and it takes writes.
   */
  killMaster(): Promise<void>;
}

/** Starts the master, its replica and three sentinels; resolves once the setup is whole. */
export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const master = await startRedisServer();
    servers.push(master);
    const replica = await startRedisServer({ replicaOf: master.port });
    servers.push(replica);
    await waitFor('the replica to be in sync with the master', async () =>
      String(await askRedis(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    const sentinelOf = { name: SENTINEL_MASTER_NAME, port: master.port, quorum: QUORUM };
    const sentinels = await Promise.all(Array.from({ length: SENTINELS }, () => startRedisServer({ sentinelOf })));
    servers.push(...sentinels);
    // Sentinels find the replica and each other through the master (hello messages every 2 s).
    await waitFor(
      'every sentinel to know the replica and the other sentinels',
      async () => {
        const views = await Promise.all(sentinels.map((s) => masterView(s.port)));
        return views.every(
          (view) => view?.['num-slaves'] === '1' && view['num-other-sentinels'] === String(SENTINELS - 1),
        );
      },
      60_000,
    );
    return setupOf(master, replica, sentinels, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

function setupOf(
  master: RedisServer,
  replica: RedisServer,
  sentinels: RedisServer[],
  stop: () => Promise<void>,
): RedisSentinelSetup {
  const addresses = sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }));
  const dataPorts = [master.port, replica.port];
  const serverOn = (port: number) => (port === master.port ? master : replica);

  /** The master as every sentinel names it; undefined while they disagree or do not answer. */
  async function agreedMaster(): Promise<number | undefined> {
    const named = await Promise.all(
      sentinels.map((sentinel) => askRedis(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)),
    );
    const ports = new Set(named.map((reply) => (Array.isArray(reply) ? Number(reply[1]) : Number.NaN)));
    const [port] = ports;
    return ports.size === 1 && port !== undefined && !Number.isNaN(port) ? port : undefined;
  }

  async function masterPort(): Promise<number> {
    let port: number | undefined;
    await waitFor('the sentinels to agree on the master', async () => {
      port = await agreedMaster();
      return port !== undefined;
    });
    return port as number;
  }

  return {
    settings: {
      url: 'redis://127.0.0.1',
      sentinels: addresses,
      sentinel_name: SENTINEL_MASTER_NAME,
    },
    client: () => new Redis({ sentinels: addresses, name: SENTINEL_MASTER_NAME }),
    // The replica holds copies of the master's keys: only the master's count.
    keys: async (pattern) => (await onMasters([await masterPort()], 'KEYS', pattern)).flat() as string[],
    subscribers: async (channel) => subscribersOn([await masterPort()], channel),
    masterPort,
    async replicaCaughtUp() {
      const from = await masterPort();
      const to = dataPorts.find((port) => port !== from) as number;
      const offset = replicationOffset(await askRedis(from, 'INFO', 'replication'), 'master_repl_offset');
      await waitFor('the replica to hold every write of the master', async () => {
        const reached = replicationOffset(await askRedis(to, 'INFO', 'replication'), 'slave_repl_offset');
        return offset !== undefined && reached !== undefined && reached >= offset;
      });
    },
    async killMaster() {
      const from = await masterPort();
      await serverOn(from).stop();
      const to = dataPorts.find((port) => port !== from) as number;
      await waitFor(
        `the sentinels to promote the replica on port ${to}`,
        async () =>
          (await agreedMaster()) === to && String(await askRedis(to, 'INFO', 'replication')).includes('role:master'),
        FAILOVER_DEADLINE_MS,
      );
    },
    stop,
  };
}

/** SENTINEL MASTER's field/value list as an object; undefined when the sentinel does not answer. */
async function masterView(port: number): Promise<Record<string, string> | undefined> {
  const reply = await askRedis(port, 'SENTINEL', 'MASTER', SENTINEL_MASTER_NAME);
  if (!Array.isArray(reply)) return undefined;
  const view: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) view[String(reply[i])] = String(reply[i + 1]);
  return view;
}

/** A number field of INFO replication. */
function replicationOffset(info: unknown, field: string): number | undefined {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(String(info));
  return match ? Number(match[1]) : undefined;
}
