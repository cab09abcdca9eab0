// Owns the ratio targets of issue 17, measured in pairs so that the two sides of a ratio see the
// same machine. This VM's speed drifts by up to 2x over minutes (a fixed Node upstream went from
// 24 to 45 µs per request between rounds with nothing else busy, 2026-12-03), and the other
// scenarios measure each target for ~10 s, one after the other: their per-round ratios carried
// that drift (passthrough vs undici 1.12x, 1.35x, then 2.2x in one run). Here every target of
// the ratios is started and warmed up first, then each ratio alternates short bursts of its two
// sides, A B B A A B… (each pair of adjacent bursts is one ratio; the order flips each pair, so
// a steady drift favours neither side), and a round's figure is the median over its pairs.
// Those medians, per round, give the report's figure as the median over rounds.
//
// - CPU per request (wrk flat out, 32 connections): passthrough vs the bare undici proxy on the
//   anonymous GET; the gateway with each store vs passthrough on the authenticated GET, both
//   sent the same request with the gateway's session cookie (passthrough forwards it as is).
// - Latency added at ~1,000 requests/s (fixed-rate-latency's paced wrk): bursts of bare, undici
//   and the gateway (full session) in turn, the order rotated each cycle; each cycle's p99 of
//   undici and of the gateway less that cycle's bare p99 is what each adds. The figure is the
//   ratio of the medians over cycles of what each adds: a cycle where undici adds about nothing
//   (a p99 is a few dozen samples of a short burst) would make its own ratio meaningless.
//
// Every process keeps the shared group's pinning (lib/layout.ts): wrk, the upstream and the
// proxies on one core; the proxies not under load sit idle there.

import { awaitQuiet, foreignCores, snapshotLoad } from '../lib/machine-load.js';
import { alternatingPairs, cycleOrder, type Pair, pairRatios } from '../lib/paired.js';
import { median, medians } from '../lib/stats.js';
import { sessionHeaders } from '../load/measure-wrk.js';
import { warmUp } from '../load/warm-up.js';
import { runWrk, type WrkRun } from '../load/wrk.js';
import { startUpstream } from '../servers/start-upstream.js';
import { type RunningTarget, TARGETS, type TargetId } from '../servers/targets.js';
import { fixedRateRun } from './fixed-rate-latency.js';
import type { BenchContext, Metrics, Row, StandaloneScenario } from './types.js';

const CONNECTIONS = 32;

interface CpuRatio {
  metric: string;
  label: string;
  top: TargetId;
  bottom: TargetId;
  /** Both sides carry the top target's session cookie. */
  session: boolean;
}

export const CPU_RATIOS: readonly CpuRatio[] = [
  {
    metric: 'passthroughVsUndiciCpu',
    label: 'anonymous GET, CPU/req: passthrough / undici',
    top: 'passthrough',
    bottom: 'undici',
    session: false,
  },
  {
    metric: 'memoryVsPassthroughCpu',
    label: 'authenticated GET, CPU/req: memory store / passthrough',
    top: 'gateway',
    bottom: 'passthrough',
    session: true,
  },
  {
    metric: 'lmdbVsPassthroughCpu',
    label: 'authenticated GET, CPU/req: LMDB store / passthrough',
    top: 'gateway-lmdb',
    bottom: 'passthrough',
    session: true,
  },
  {
    metric: 'redisVsPassthroughCpu',
    label: 'authenticated GET, CPU/req: Redis store (redis-server included) / passthrough',
    top: 'gateway-redis',
    bottom: 'passthrough',
    session: true,
  },
];

/** The sides of the latency cycles; the gateway with its full session. */
const LATENCY_SIDES = ['bare', 'undici', 'gateway'] as const satisfies readonly TargetId[];

const ROWS: readonly Row[] = [
  ...CPU_RATIOS.map((ratio): Row => ({ metric: ratio.metric, label: ratio.label, better: 'lower', digits: 3 })),
  { metric: 'p99AddedRatio', label: 'p99 added at ~1,000 rps: gateway / undici', better: 'lower', digits: 3 },
  { metric: 'gatewayP99AddedMs', label: 'p99 the gateway adds (ms, median of cycles)', better: 'lower', digits: 3 },
  { metric: 'undiciP99AddedMs', label: 'p99 undici adds (ms, median of cycles)', better: 'lower', digits: 3 },
  { metric: 'foreignCores', label: 'other processes (cores busy)', better: 'lower', digits: 2, noRatio: true },
];

/** Bursts per side and their length: short enough to follow the drift, long enough for /proc's 10 ms ticks. */
function plan(ctx: BenchContext) {
  const quick = ctx.options.mode === 'quick';
  return { cpuPairs: quick ? 4 : 6, cpuSeconds: 1, latencyCycles: quick ? 3 : 4, latencySeconds: 2 };
}

/** One flat-out burst: the target's CPU microseconds per request. */
async function cpuBurst(target: RunningTarget, run: Omit<WrkRun, 'seconds'>, seconds: number): Promise<number> {
  const before = target.proxyCpu();
  const result = await runWrk({ ...run, seconds });
  const used = target.proxyCpu() - before;
  if (result.errors > result.requests * 0.001) throw new Error(`${target.id}: ${result.errors} failed requests`);
  return used / result.requests;
}

/** A CPU ratio's alternating bursts in this round: the median ratio over its pairs, and each side's median. */
async function measureCpuRatio(
  ratio: CpuRatio,
  running: ReadonlyMap<TargetId, RunningTarget>,
  ctx: BenchContext,
): Promise<{ ratio: number; top: number; bottom: number; foreign: number; pairs: readonly Pair[] }> {
  const { tools, layout } = ctx;
  const top = running.get(ratio.top) as RunningTarget;
  const bottom = running.get(ratio.bottom) as RunningTarget;
  const headers = ratio.session ? sessionHeaders(top) : [];
  const runOf = (target: RunningTarget) => ({
    wrk: tools.wrk,
    cpus: layout.loadGenerator,
    url: `${target.url}/page`,
    connections: CONNECTIONS,
    headers,
  });
  const { cpuPairs, cpuSeconds } = plan(ctx);
  await awaitQuiet(ctx.quietBudget);
  const before = snapshotLoad();
  let ours = 0;
  // One pair first, not counted: a side's first bursts after the others' ran slow (at load 10-12,
  // the memory store's five pairs: 976/110, 519/155, 211/92, 143/89, 171/83 µs), still settling.
  const pairs = await alternatingPairs(cpuPairs + 1, async (side) => {
    const target = side === 'top' ? top : bottom;
    const cpuBefore = target.proxyCpu() + target.upstreamCpu();
    const value = await cpuBurst(target, runOf(target), cpuSeconds);
    ours += target.proxyCpu() + target.upstreamCpu() - cpuBefore;
    return value;
  });
  const counted = pairs.slice(1);
  return {
    ratio: median(pairRatios(counted)),
    top: median(counted.map((pair) => pair.top)),
    bottom: median(counted.map((pair) => pair.bottom)),
    foreign: foreignCores(before, snapshotLoad(), ours),
    pairs,
  };
}

/** The latency cycles of this round: what undici and the gateway each add to bare's p99 (medians over cycles). */
async function measureAddedP99(
  running: ReadonlyMap<TargetId, RunningTarget>,
  ctx: BenchContext,
): Promise<{ gateway: number; undici: number }> {
  const { latencyCycles, latencySeconds } = plan(ctx);
  const added = { gateway: [] as number[], undici: [] as number[] };
  await awaitQuiet(ctx.quietBudget);
  for (let cycle = 0; cycle < latencyCycles; cycle++) {
    const p99 = new Map<TargetId, number>();
    for (const id of cycleOrder(LATENCY_SIDES, cycle)) {
      const target = running.get(id) as RunningTarget;
      const result = await runWrk({ ...fixedRateRun(target, ctx), seconds: latencySeconds });
      if (result.errors > 0) throw new Error(`${id}: ${result.errors} failed requests at a fixed rate`);
      p99.set(id, result.latencyUs.p99 / 1000);
    }
    const bare = p99.get('bare') as number;
    added.gateway.push((p99.get('gateway') as number) - bare);
    added.undici.push((p99.get('undici') as number) - bare);
  }
  return { gateway: median(added.gateway), undici: median(added.undici) };
}

/** Starts every target of the ratios in front of one upstream and warms each up, with the requests it will get. */
async function startAll(
  ctx: BenchContext,
  upstream: Awaited<ReturnType<typeof startUpstream>>,
  running: Map<TargetId, RunningTarget>,
): Promise<void> {
  const ids = [...new Set<TargetId>([...CPU_RATIOS.flatMap((r) => [r.top, r.bottom]), ...LATENCY_SIDES])];
  for (const id of ids) running.set(id, await TARGETS[id].start(ctx, upstream));
  const session = sessionHeaders(running.get('gateway') as RunningTarget);
  for (const [id, target] of running) {
    if (id === 'bare') continue;
    const headers = id === 'undici' ? [] : target.sessionHeader ? sessionHeaders(target) : session;
    const run = {
      wrk: ctx.tools.wrk,
      cpus: ctx.layout.loadGenerator,
      url: `${target.url}/page`,
      connections: CONNECTIONS,
      headers,
    };
    await warmUp(run, target, ctx.options.warmupSeconds);
  }
}

export const pairedRatios: StandaloneScenario = {
  kind: 'standalone',
  id: 'paired-ratios',
  title: 'ratio targets of issue 17, each measured as alternating bursts of its two sides (A B B A…), all targets warm',
  async run(ctx) {
    const rounds: Metrics[] = [];
    const roundCount = ctx.options.rounds;
    for (let round = 0; round < roundCount; round++) {
      ctx.log(`[paired-ratios] round ${round + 1}/${roundCount}: starting and warming every target`);
      const upstream = await startUpstream(ctx.layout.upstream);
      const running = new Map<TargetId, RunningTarget>();
      try {
        await startAll(ctx, upstream, running);
        const metrics: Metrics = {};
        const foreign: number[] = [];
        for (const ratio of CPU_RATIOS) {
          const measured = await measureCpuRatio(ratio, running, ctx);
          metrics[ratio.metric] = measured.ratio;
          foreign.push(measured.foreign);
          ctx.log(
            `  ${ratio.label}: ${measured.ratio.toFixed(3)} (medians ${measured.top.toFixed(1)} / ${measured.bottom.toFixed(1)} µs; pairs, the first not counted: ${measured.pairs.map((pair) => `${pair.top.toFixed(0)}/${pair.bottom.toFixed(0)}`).join(' ')}), other processes ${measured.foreign.toFixed(2)} cores`,
          );
        }
        const added = await measureAddedP99(running, ctx);
        metrics.gatewayP99AddedMs = added.gateway;
        metrics.undiciP99AddedMs = added.undici;
        // A ratio to an added p99 at or below zero (bare's own p99 the highest) means nothing.
        metrics.p99AddedRatio = added.undici > 0 ? added.gateway / added.undici : Number.NaN;
        metrics.foreignCores = Math.max(...foreign);
        ctx.log(
          `  p99 added at ~1,000 rps: gateway ${added.gateway.toFixed(3)} ms, undici ${added.undici.toFixed(3)} ms, ratio ${metrics.p99AddedRatio.toFixed(3)}`,
        );
        rounds.push(metrics);
      } finally {
        for (const target of running.values()) await target.stop();
        await upstream.stop();
      }
    }
    return { id: this.id, title: this.title, rows: ROWS, targets: { pairs: { rounds, median: medians(rounds) } } };
  },
};
