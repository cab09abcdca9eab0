// Owns the interleaving of targets: for each round a fresh upstream, then each target in turn
// (the order rotated every round: A B C, B C A, C A B…), started fresh, measured by every load
// scenario of the group, and stopped. Launches of one Node program vary by up to 40% (issue 6),
// so processes are restarted between rounds and the medians over rounds are what is reported.

import type { BenchContext, LoadScenario, Metrics, Row, ScenarioResult } from '../scenarios/types.js';
import { startUpstreamOf } from '../servers/start-upstream.js';
import { TARGETS, type TargetId } from '../servers/targets.js';
import type { Layout } from './layout.js';
import { sampleRss } from './rss-sampler.js';
import { medians } from './stats.js';

const MB = 1e6;

/** The layout with nothing pinned but the bench's own process. */
function unpinned(layout: Layout): Layout {
  return {
    ...layout,
    loadGenerator: undefined,
    upstream: undefined,
    proxy: undefined,
    describe: 'unpinned: load generator, upstream and proxy wherever the kernel puts them',
  };
}

/** The list rotated left by n. */
function rotate<T>(items: readonly T[], n: number): T[] {
  const k = n % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** A one-line summary of a measurement for the progress log. */
function brief(metrics: Metrics, rows: readonly Row[]): string {
  return rows
    .filter((row) => metrics[row.metric] !== undefined)
    .map((row) => `${row.label} ${(metrics[row.metric] as number).toFixed(row.digits ?? 1)}`)
    .join(', ');
}

const PEAK_RSS_ROWS: readonly Row[] = [{ metric: 'peakRssMB', label: 'peak RSS (MB)', better: 'lower', digits: 1 }];

/** Runs one group of load scenarios for its rounds; returns a result per scenario plus the group's peak RSS. */
export async function runLoadGroup(
  scenarios: readonly LoadScenario[],
  runCtx: BenchContext,
): Promise<ScenarioResult[]> {
  const first = scenarios[0];
  if (!first) return [];
  // An unpinned group (the workers scenario) lets the kernel spread every process over the cores.
  const ctx: BenchContext = first.unpinned ? { ...runCtx, layout: unpinned(runCtx.layout) } : runCtx;
  const rounds = first.rounds?.(ctx.options) ?? ctx.options.rounds;
  const targetIds = [...new Set(scenarios.flatMap((scenario) => scenario.targets))].filter((id) => {
    const missing = TARGETS[id].unavailable?.(ctx);
    if (missing) ctx.log(`[${first.group}] ${TARGETS[id].label}: skipped, ${missing}`);
    return !missing;
  });
  const collected = new Map<string, Partial<Record<TargetId, Metrics[]>>>(scenarios.map((s) => [s.id, {}]));
  const memory: Partial<Record<TargetId, Metrics[]>> = {};

  for (let round = 0; round < rounds; round++) {
    const upstream = await startUpstreamOf(first.upstream ?? 'node', ctx.tools.nginx, ctx.layout.upstream);
    const thisRound = new Map<string, Partial<Record<TargetId, Metrics>>>(scenarios.map((s) => [s.id, {}]));
    try {
      for (const id of rotate(targetIds, round)) {
        ctx.log(`[${first.group}] round ${round + 1}/${rounds}: ${TARGETS[id].label}`);
        const target = await TARGETS[id].start(ctx, upstream);
        // The peak over everything the group sends it, sampled every 100 ms (the gateway's helper and workers included).
        const sampler = sampleRss(() => target.rss());
        try {
          for (const scenario of scenarios) {
            if (!scenario.targets.includes(id)) continue;
            const metrics = await scenario.measure(target, ctx);
            (thisRound.get(scenario.id) as Partial<Record<TargetId, Metrics>>)[id] = metrics;
            ctx.log(`  ${scenario.id}: ${brief(metrics, scenario.rows)}`);
          }
        } finally {
          const peak = sampler.stop();
          await target.stop();
          memory[id] = [...(memory[id] ?? []), { peakRssMB: peak / MB }];
        }
      }
    } finally {
      await upstream.stop();
    }
    for (const scenario of scenarios) {
      const byTarget = thisRound.get(scenario.id) as Partial<Record<TargetId, Metrics>>;
      scenario.derive?.(byTarget);
      const all = collected.get(scenario.id) as Partial<Record<TargetId, Metrics[]>>;
      for (const [id, metrics] of Object.entries(byTarget) as [TargetId, Metrics][]) {
        all[id] = [...(all[id] ?? []), metrics];
      }
    }
  }

  const results: ScenarioResult[] = scenarios.map((scenario) => {
    const all = collected.get(scenario.id) as Partial<Record<TargetId, Metrics[]>>;
    return {
      id: scenario.id,
      title: scenario.title,
      rows: scenario.rows,
      targets: Object.fromEntries(
        Object.entries(all).map(([id, roundsOf]) => [id, { rounds: roundsOf, median: medians(roundsOf) }]),
      ),
    };
  });
  results.push({
    id: `${first.group}-peak-rss`,
    title: `peak RSS of each target over the ${first.group} scenarios (sampled every 100 ms)`,
    rows: PEAK_RSS_ROWS,
    targets: Object.fromEntries(
      Object.entries(memory).map(([id, roundsOf]) => [id, { rounds: roundsOf, median: medians(roundsOf) }]),
    ),
  });
  return results;
}
