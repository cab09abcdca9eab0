// Owns the printed report: one table per scenario (the median of each figure per target,
// with the gateway's ratio to nginx and to the bare upstream), then the targets of issue 6.

import type { ScenarioResult } from '../scenarios/types.js';
import type { GoalResult } from './goals.js';
import { ratio } from './stats.js';

const TARGET_ORDER = ['bare', 'gateway', 'nginx'];
/** Cores' worth of foreign CPU during a measurement above which the report warns. */
const FOREIGN_WARNING = 0.1;

function targetsOf(result: ScenarioResult): string[] {
  const ids = Object.keys(result.targets);
  return [...TARGET_ORDER.filter((id) => ids.includes(id)), ...ids.filter((id) => !TARGET_ORDER.includes(id))];
}

/** The gateway's ratios per metric, from the medians of this run. */
export function ratiosOf(result: ScenarioResult): Record<string, { toNginx: number; toBare: number }> {
  const gateway = result.targets.gateway?.median;
  if (!gateway) return {};
  return Object.fromEntries(
    result.rows.map((row) => [
      row.metric,
      {
        toNginx: ratio(gateway[row.metric], result.targets.nginx?.median[row.metric]),
        toBare: ratio(gateway[row.metric], result.targets.bare?.median[row.metric]),
      },
    ]),
  );
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const fmt = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

/** The report as lines of text. */
export function renderReport(results: readonly ScenarioResult[], goals: readonly GoalResult[]): string[] {
  const out: string[] = [];
  const foreign = Math.max(
    0,
    ...results.flatMap((result) =>
      Object.values(result.targets).flatMap((figures) => figures.rounds.map((round) => round.foreignCores ?? 0)),
    ),
  );
  if (foreign > FOREIGN_WARNING) {
    out.push(
      '',
      `WARNING: other processes on this machine used up to ${foreign.toFixed(2)} cores during a measurement;`,
      'they share the pinned core, so figures of those rounds are disturbed (see "other processes" rows).',
    );
  }
  for (const result of results) {
    const targets = targetsOf(result);
    const withRatios = targets.includes('gateway') && (targets.includes('nginx') || targets.includes('bare'));
    const ratios = ratiosOf(result);
    const rounds = Math.max(...targets.map((id) => result.targets[id]?.rounds.length ?? 0));
    out.push('', `${result.title}${rounds > 1 ? ` - median of ${rounds}` : ''}`);
    const header = ['', ...targets, ...(withRatios ? ['gw/nginx', 'gw/bare'] : [])];
    const rows = result.rows.map((row) => [
      row.label,
      ...targets.map((id) => fmt(result.targets[id]?.median[row.metric], row.digits ?? 1)),
      ...(withRatios && !row.noRatio ? [fmt(ratios[row.metric]?.toNginx, 2), fmt(ratios[row.metric]?.toBare, 2)] : []),
    ]);
    out.push(...table(header, rows));
    if (result.notes) out.push(...result.notes);
  }
  out.push('', 'Targets of issue 6 (ratios and bounds from this run)');
  out.push(
    ...table(
      ['target', 'measured', 'limit', 'status'],
      goals.map((goal) => [goal.text, goal.measured, goal.limit, goal.status.toUpperCase()]),
    ),
  );
  for (const goal of goals.filter((g) => g.note)) out.push(`  ${goal.text}: ${goal.note}`);
  return out;
}
