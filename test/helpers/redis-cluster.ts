// A real Redis Cluster for tests: several masters (no replicas) on free ports of 127.0.0.1,
// joined by `redis-cli --cluster create`, ready once every node says cluster_state:ok and knows
// all the others. The slots are spread over the masters, so keys of one test land on different
// nodes and a client must follow MOVED answers, as in production.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Cluster } from 'ioredis';
import {
  askRedis,
  onMasters,
  type RedisDeployment,
  type RedisServer,
  startRedisServer,
  subscribersOn,
} from './redis-server.js';
import { waitFor } from './wait.js';

export interface RedisCluster extends RedisDeployment {
  readonly nodes: readonly RedisServer[];
}

/** Starts `masters` cluster nodes, gives them the slots, and resolves once the cluster is ok. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const started = await Promise.allSettled(
    Array.from({ length: masters }, () => startRedisServer({ clusterNode: true })),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await redisCli(['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(
      `the ${masters}-master cluster to be ok on every node`,
      async () => {
        const infos = await Promise.all(nodes.map((node) => askRedis(node.port, 'CLUSTER', 'INFO')));
        return infos.every(
          (info) =>
            typeof info === 'string' &&
            info.includes('cluster_state:ok') &&
            info.includes(`cluster_known_nodes:${masters}`) &&
            info.includes('cluster_slots_ok:16384'),
        );
      },
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const ports = nodes.map((node) => node.port);
  const urls = nodes.map((node) => node.url);
  return {
    nodes,
    settings: { url: 'redis://127.0.0.1', cluster: { nodes: urls } },
    client: () => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port }))),
    keys: async (pattern) => (await onMasters(ports, 'KEYS', pattern)).flat() as string[],
    subscribers: (channel) => subscribersOn(ports, channel),
    stop,
  };
}

/** Runs redis-cli (installed with redis-server) and rejects with its output when it fails. */
async function redisCli(args: string[]): Promise<void> {
  const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`redis-cli ${args.join(' ')} exited with ${code}:\n${output}`);
}
