// Owns the targets a load is sent to, all in front of the same upstream: the bare upstream
// (the floor), the gateway, and nginx (the reference). Later targets (the gateway with its
// login layers on, with the Redis store) are added here as more entries.

import { cpuMicros, rssBytes, totalCpuMicros } from '../lib/proc-stat.js';
import { sleep } from '../lib/stats.js';
import type { BenchContext } from '../scenarios/types.js';
import { startGateway } from './gateway.js';
import { startNginx } from './nginx.js';
import type { RunningUpstream } from './start-upstream.js';

export type TargetId = 'bare' | 'gateway' | 'nginx';

export interface RunningTarget {
  readonly id: TargetId;
  readonly url: string;
  /** The process whose memory the targets are about (the proxy; the upstream for bare). */
  readonly rssPid: number;
  /** CPU microseconds the proxy has used so far (the upstream's for bare). */
  proxyCpu(): number;
  /** CPU microseconds the upstream has used so far. */
  upstreamCpu(): number;
  rss(): number;
  stop(): Promise<void>;
}

export interface TargetSpec {
  id: TargetId;
  label: string;
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
      proxyCpu: () => cpuMicros(upstream.pid),
      upstreamCpu: () => cpuMicros(upstream.pid),
      rss: () => rssBytes(upstream.pid),
      // The upstream belongs to the round, not to this target.
      stop: async () => {},
    };
  },
};

const gateway: TargetSpec = {
  id: 'gateway',
  label: 'gateway',
  async start(ctx, upstream) {
    const running = await startGateway({
      upstreamUrl: upstream.url,
      cpus: ctx.layout.proxy,
      logLevel: ctx.options.gatewayLog,
    });
    try {
      await verify(running.url);
    } catch (error) {
      await running.stop();
      throw error;
    }
    return {
      id: 'gateway',
      url: running.url,
      rssPid: running.pid,
      proxyCpu: () => cpuMicros(running.pid),
      upstreamCpu: () => cpuMicros(upstream.pid),
      rss: () => rssBytes(running.pid),
      stop: () => running.stop(),
    };
  },
};

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
      upstreamCpu: () => cpuMicros(upstream.pid),
      rss: () => rssBytes(running.workerPid()),
      stop: () => running.stop(),
    };
  },
};

export const TARGETS: Record<TargetId, TargetSpec> = { bare, gateway, nginx };
