// Owns the result file: results/bench-<timestamp>.json (results/ is git-ignored), with the
// machine, the tool versions, the layout, every round of every figure, the medians, the
// gateway's ratios and the targets of issue 6.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioResult } from '../scenarios/types.js';
import { REPO_ROOT } from '../servers/paths.js';
import type { GoalResult } from './goals.js';
import type { Layout } from './layout.js';
import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';
import { ratiosOf } from './report.js';
import type { Tools } from './tools.js';

export interface RunRecord {
  startedAt: Date;
  options: BenchOptions;
  layout: Layout;
  machine: Machine;
  tools: Tools;
  results: readonly ScenarioResult[];
  goals: readonly GoalResult[];
}

/** Writes the record and returns the file's path. */
export async function writeResults(record: RunRecord): Promise<string> {
  const dir = join(REPO_ROOT, 'results');
  await mkdir(dir, { recursive: true });
  const stamp = record.startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `bench-${stamp}.json`);
  const body = {
    startedAt: record.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: record.options.mode,
    options: record.options,
    machine: { ...record.machine, nginx: record.tools.nginxVersion, wrk: record.tools.wrkVersion },
    layout: record.layout,
    gateway: { runsFrom: 'compiled (tsconfig.build.json)', logLevel: record.options.gatewayLog },
    scenarios: record.results.map((result) => ({ ...result, ratios: ratiosOf(result) })),
    goals: record.goals,
  };
  // NaN is not JSON: a figure that could not be computed is written as null.
  await writeFile(
    file,
    `${JSON.stringify(body, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  return file;
}
