// Owns the targets a load is sent to, all in front of the same upstream: the bare upstream
// (the floor), the references (the bare undici proxy, Node's ceiling; nginx, the practical
// limit; Caddy, the Go proxy auth gateways commonly sit behind), the gateway with every
// security layer off (passthrough, its internal reference), the gateway with its layers on
// with each store, and the gateway with the LMDB store in 1 and in 2 worker processes.

import type { BenchContext } from '../lib/context.js';
import {
  cachedProcessTree,
  cpuMicros,
  processTree,
  rssBytes,
  totalCpuMicros,
  treeCpuMicros,
  treeRssBytes,
} from '../lib/proc-stat.js';
import { sleep } from '../lib/stats.js';
import { startCaddy } from './caddy.js';
import { type GatewayLaunch, type RunningGateway, startGateway } from './gateway.js';
import { startNginx } from './nginx.js';
import { type RunningRedis, startRedis } from './redis.js';
import { type RunningUpstream, startUndiciProxy } from './start-upstream.js';

export type TargetId =
  | 'bare'
  | 'undici'
  | 'nginx'
  | 'caddy'
  | 'passthrough'
  | 'gateway'
  | 'gateway-lmdb'
  | 'gateway-redis'
  | 'workers-1'
  | 'workers-2';

/** The reference proxies every target is compared with, in the report's order. */
export const REFERENCES = ['nginx', 'undici'] as const satisfies readonly TargetId[];

export interface RunningTarget {
  readonly id: TargetId;
  readonly url: string;
  /** "Cookie: …" of a full gateway session (gateway targets with the layers on). */
  readonly sessionHeader?: string;
  /** The process whose memory the targets are about (the proxy; the upstream for bare). */
  readonly rssPid: number;
  /** CPU microseconds the proxy has used so far, helpers and workers included (the upstream's for bare). */
  proxyCpu(): number;
  /** How many processes serve requests, each warmed up on its own (load/warm-up.ts): the gateway's workers; 1 when absent. */
  readonly processes?: number;
  /** CPU microseconds the upstream has used so far. */
  upstreamCpu(): number;
  rss(): number;
  stop(): Promise<void>;
}

export interface TargetSpec {
  id: TargetId;
  label: string;
  /** Why the target cannot run on this machine (a tool missing), or undefined. */
  unavailable?(ctx: BenchContext): string | undefined;
  start(ctx: BenchContext, upstream: RunningUpstream): Promise<RunningTarget>;
}

/** Waits until the 2 KB page comes back whole through the target, so that no round measures a half-started proxy. */
async function verify(url: string): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const res = await fetch(`${url}/page`);
      const body = await res.arrayBuffer();
      if (res.status === 200 && body.byteLength === 2048) return;
      last = `status ${res.status}, ${body.byteLength} bytes`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  throw new Error(`${url}/page never answered the 2 KB page: ${last}`);
}

const bare: TargetSpec = {
  id: 'bare',
  label: 'bare upstream',
  async start(_ctx, upstream) {
    await verify(upstream.url);
    return {
      id: 'bare',
      url: upstream.url,
      rssPid: upstream.pid,
      proxyCpu: () => upstream.cpu(),
      upstreamCpu: () => upstream.cpu(),
      rss: () => rssBytes(upstream.pid),
      // The upstream belongs to the round, not to this target.
      stop: async () => {},
    };
  },
};

/**
 * A gateway target in one mode; with Redis, a fresh redis-server beside it whose CPU counts as
 * the gateway's. Its CPU and memory are its whole process tree: the argon2 helper, and with
 * `workers` the primary and every worker.
 */
export function gatewayTarget(
  id: TargetId,
  label: string,
  mode: 'off' | 'memory' | 'lmdb' | 'redis',
  extra: Pick<GatewayLaunch, 'workers' | 'trustedProxies'> = {},
): TargetSpec {
  const { workers } = extra;
  return {
    id,
    label,
    async start(ctx, upstream) {
      const redis = mode === 'redis' ? await startRedis(ctx.tools.redisServer, ctx.layout.proxy) : undefined;
      let running: RunningGateway;
      try {
        running = await startGateway({
          upstreamUrl: upstream.url,
          cpus: ctx.layout.proxy,
          logLevel: ctx.options.gatewayLog,
          nodeArgs: ctx.options.gatewayNodeFlags,
          ...extra,
          mode:
            mode === 'off'
              ? { layers: 'off' }
              : mode === 'redis'
                ? { layers: 'on', store: 'redis', redisUrl: (redis as RunningRedis).url }
                : { layers: 'on', store: mode },
        });
      } catch (error) {
        await redis?.stop();
        throw error;
      }
      const stop = async () => {
        await running.stop();
        await redis?.stop();
      };
      try {
        await verify(running.url);
      } catch (error) {
        await stop();
        throw error;
      }
      const tree = cachedProcessTree(running.pid);
      return {
        id,
        url: running.url,
        ...(running.sessionHeader ? { sessionHeader: running.sessionHeader } : {}),
        rssPid: running.pid,
        ...(workers ? { processes: workers } : {}),
        proxyCpu: () => treeCpuMicros(processTree(running.pid)) + (redis ? cpuMicros(redis.pid) : 0),
        upstreamCpu: () => upstream.cpu(),
        rss: () => treeRssBytes(tree()),
        stop,
      };
    },
  };
}

const nginx: TargetSpec = {
  id: 'nginx',
  label: 'nginx',
  async start(ctx, upstream) {
    const running = await startNginx(ctx.tools.nginx, upstream.port, ctx.layout.proxy);
    try {
      await verify(running.url);
    } catch (error) {
      await running.stop();
      throw error;
    }
    return {
      id: 'nginx',
      url: running.url,
      rssPid: running.workerPid(),
      proxyCpu: () => totalCpuMicros(running.pids()),
      upstreamCpu: () => upstream.cpu(),
      rss: () => rssBytes(running.workerPid()),
      stop: () => running.stop(),
    };
  },
};

/** A reference proxy of one process, checked once it answers, and measured as that process. */
async function singleProcessTarget(
  id: TargetId,
  running: { url: string; pid: number; stop(): Promise<void> },
  upstream: RunningUpstream,
): Promise<RunningTarget> {
  try {
    await verify(running.url);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    id,
    url: running.url,
    rssPid: running.pid,
    proxyCpu: () => cpuMicros(running.pid),
    upstreamCpu: () => upstream.cpu(),
    rss: () => rssBytes(running.pid),
    stop: () => running.stop(),
  };
}

const undici: TargetSpec = {
  id: 'undici',
  label: 'bare undici proxy (node:http + undici Pool)',
  async start(ctx, upstream) {
    return singleProcessTarget('undici', await startUndiciProxy(ctx.layout.proxy, upstream.url), upstream);
  },
};

const caddy: TargetSpec = {
  id: 'caddy',
  label: 'Caddy reverse_proxy',
  unavailable: (ctx) => ('missing' in ctx.tools.caddy ? ctx.tools.caddy.missing : undefined),
  async start(ctx, upstream) {
    if (!('path' in ctx.tools.caddy)) throw new Error(ctx.tools.caddy.missing);
    const running = await startCaddy(ctx.tools.caddy.path, upstream.port, ctx.layout.proxy);
    return singleProcessTarget('caddy', running, upstream);
  },
};

export const TARGETS: Record<TargetId, TargetSpec> = {
  bare,
  undici,
  caddy,
  passthrough: gatewayTarget('passthrough', 'gateway, layers off (passthrough)', 'off'),
  gateway: gatewayTarget('gateway', 'gateway (memory store)', 'memory'),
  'gateway-lmdb': gatewayTarget('gateway-lmdb', 'gateway (LMDB store)', 'lmdb'),
  'gateway-redis': gatewayTarget('gateway-redis', 'gateway (Redis store)', 'redis'),
  nginx,
  'workers-1': gatewayTarget('workers-1', 'gateway (LMDB store), 1 process, unpinned', 'lmdb'),
  'workers-2': gatewayTarget('workers-2', 'gateway (LMDB store), --workers 2, unpinned', 'lmdb', { workers: 2 }),
};
