// Owns the printed report: one table per scenario (the median of each figure per target),
// each target's ratios to the reference proxies measured in the same rounds (nginx and the
// bare undici proxy), then the targets of issues 6 and 17.

import type { ScenarioResult } from '../scenarios/types.js';
import { REFERENCES } from '../servers/targets.js';
import type { GoalResult } from './goals.js';
import { pairedRatio } from './stats.js';

const TARGET_ORDER = [
  'bare',
  'undici',
  'nginx',
  'caddy',
  'passthrough',
  'gateway',
  'gateway-lmdb',
  'gateway-redis',
  'workers-1',
  'workers-2',
];
/** Cores' worth of foreign CPU during a measurement above which the report warns. */
const FOREIGN_WARNING = 0.1;

function targetsOf(result: ScenarioResult): string[] {
  const ids = Object.keys(result.targets);
  return [...TARGET_ORDER.filter((id) => ids.includes(id)), ...ids.filter((id) => !TARGET_ORDER.includes(id))];
}

/**
 * Every target's ratio to each reference present, per metric: the median of per-round ratios
 * (both measured in the same round). { target: { metric: { nginx: 0.4, undici: 0.8 } } }.
 */
export function ratiosOf(result: ScenarioResult): Record<string, Record<string, Record<string, number>>> {
  const references = REFERENCES.filter((id) => result.targets[id]);
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const target of targetsOf(result)) {
    if (target === 'bare' || (REFERENCES as readonly string[]).includes(target) || references.length === 0) continue;
    out[target] = Object.fromEntries(
      result.rows
        .filter((row) => !row.noRatio)
        .map((row) => [
          row.metric,
          Object.fromEntries(
            references.map((id) => [
              id,
              pairedRatio(result.targets[target]?.rounds, result.targets[id]?.rounds, row.metric),
            ]),
          ),
        ]),
    );
  }
  return out;
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
    const rounds = Math.max(...targets.map((id) => result.targets[id]?.rounds.length ?? 0));
    out.push('', `${result.title}${rounds > 1 ? ` - median of ${rounds}` : ''}`);
    const rows = result.rows.map((row) => [
      row.label,
      ...targets.map((id) => fmt(result.targets[id]?.median[row.metric], row.digits ?? 1)),
    ]);
    out.push(...table(['', ...targets], rows));
    const references = REFERENCES.filter((id) => result.targets[id]);
    const ratios = Object.entries(ratiosOf(result));
    if (ratios.length) {
      out.push(
        '',
        ...table(
          ['ratio to each reference (median of per-round ratios)', ...references.map((id) => `/${id}`)],
          ratios.flatMap(([target, byMetric]) =>
            result.rows
              .filter((row) => byMetric[row.metric])
              .map((row) => [`${target}: ${row.label}`, ...references.map((id) => fmt(byMetric[row.metric]?.[id], 2))]),
          ),
        ),
      );
    }
    if (result.notes) out.push(...result.notes);
  }
  out.push('', 'Targets of issues 6 and 17 (ratios and bounds from this run)');
  out.push(
    'CPU and added-latency ratios: paired-ratios, both sides warm and measured in alternating bursts (A B B A…), the median over pairs per round, then over rounds',
  );
  out.push(
    ...table(
      ['target', 'measured', 'limit', 'status'],
      goals.map((goal) => [goal.text, goal.measured, goal.limit, goal.status.toUpperCase()]),
    ),
  );
  for (const goal of goals.filter((g) => g.note)) out.push(`  ${goal.text}: ${goal.note}`);
  return out;
}
