// Owns the shape of a scenario. A load scenario measures one running target at a time and is
// run by lib/rounds.ts, interleaved over the targets for several rounds; a standalone scenario
// runs once, on its own (micro-benchmarks, profiles). A new scenario is a new file that exports
// one of these, listed in scenarios/index.ts.

import type { BenchContext } from '../lib/context.js';
import type { BenchOptions } from '../lib/options.js';
import type { UpstreamKind } from '../servers/start-upstream.js';
import type { RunningTarget, TargetId } from '../servers/targets.js';

export type { BenchContext };

/** Named figures of one measurement (requests/s, µs per request, ms, MB…). */
export type Metrics = Record<string, number>;

/** A figure shown in the final table: which metric, how it is labelled, which way is better. */
export interface Row {
  metric: string;
  label: string;
  better: 'higher' | 'lower';
  /** Digits after the point in the table. */
  digits?: number;
  /** No gateway/nginx or gateway/bare ratio: the figure is not the targets' own (machine noise). */
  noRatio?: boolean;
}

/** CPU that other processes on the machine used during the measurement (lib/machine-load.ts). */
export const FOREIGN_ROW: Row = {
  metric: 'foreignCores',
  label: 'other processes (cores busy)',
  better: 'lower',
  digits: 2,
  noRatio: true,
};

export interface LoadScenario {
  kind: 'load';
  id: string;
  title: string;
  targets: readonly TargetId[];
  /**
   * Scenarios of one group share the target processes of a round (started once per round and
   * target, in the group's order); a scenario that needs fresh processes has a group of its own.
   */
  group: string;
  /** Its group runs with nothing pinned (the first scenario of a group decides). */
  unpinned?: boolean;
  /** The upstream of its group (the first scenario of a group decides); default the Node upstream. */
  upstream?: UpstreamKind;
  /** Rounds of its group (the first scenario of a group decides); default options.rounds. */
  rounds?(options: BenchOptions): number;
  /** Warms the target up and measures it once. */
  measure(target: RunningTarget, ctx: BenchContext): Promise<Metrics>;
  /** Adds figures that compare targets within a round (latency added over bare). */
  derive?(round: Partial<Record<TargetId, Metrics>>): void;
  rows: readonly Row[];
}

export interface StandaloneScenario {
  kind: 'standalone';
  id: string;
  title: string;
  /** Runs only when asked for (--only or a flag), never in a plain run. */
  optIn?(options: BenchOptions): boolean;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export type Scenario = LoadScenario | StandaloneScenario;

export interface TargetFigures {
  rounds: Metrics[];
  median: Metrics;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** Per target (or "in-process" for micro-benchmarks). */
  targets: Record<string, TargetFigures>;
  rows: readonly Row[];
  /** Lines printed under the table (a profile summary). */
  notes?: string[];
  /** Anything else worth keeping in the JSON. */
  details?: unknown;
}
