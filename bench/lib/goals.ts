// Owns the targets of issue 6 as checks over one run's results: each is a ratio or a bound
// measured in this run, marked pass or miss; one whose scenario did not run is n/a, so the
// report always shows the whole list.

import type { ScenarioResult } from '../scenarios/types.js';
import { median, ratio } from './stats.js';

export interface GoalResult {
  text: string;
  measured: string;
  limit: string;
  status: 'pass' | 'miss' | 'n/a' | 'info';
  note?: string;
}

type Results = ReadonlyMap<string, ScenarioResult>;

function medianOf(results: Results, scenario: string, target: string, metric: string): number | undefined {
  return results.get(scenario)?.targets[target]?.median[metric];
}

/** One side of a ratio: a metric of a target in a scenario. */
type Figure = readonly [scenario: string, target: string, metric: string];

/**
 * The median over rounds of a / b, each round's pair measured in that round (the targets of a
 * group run one after the other in every round). Launches of one program vary by up to 40%,
 * so a ratio of two medians taken from different rounds is noisier than the median of ratios.
 */
function pairedRatio(results: Results, a: Figure, b: Figure): number | undefined {
  const roundsOf = ([scenario, target]: Figure) => results.get(scenario)?.targets[target]?.rounds;
  const [top, bottom] = [roundsOf(a), roundsOf(b)];
  if (!top || !bottom || top.length === 0 || top.length !== bottom.length) return undefined;
  return median(top.map((round, i) => ratio(round[a[2]], bottom[i]?.[b[2]])));
}

/** The worst round of a metric (bounds such as peak RSS hold for every round, not the median one). */
function maxOf(results: Results, scenario: string, target: string, metrics: readonly string[]): number | undefined {
  const rounds = results.get(scenario)?.targets[target]?.rounds;
  if (!rounds || rounds.length === 0) return undefined;
  return Math.max(...rounds.flatMap((round) => metrics.map((metric) => round[metric] ?? Number.NaN)));
}

function atLeast(text: string, value: number | undefined, limit: number, unit: string, note?: string): GoalResult {
  if (value === undefined || !Number.isFinite(value)) return { text, measured: 'not run', limit: '', status: 'n/a' };
  return {
    text,
    measured: `${value.toFixed(2)}${unit}`,
    limit: `>= ${limit}${unit}`,
    status: value >= limit ? 'pass' : 'miss',
    ...(note ? { note } : {}),
  };
}

function below(text: string, value: number | undefined, limit: number, unit: string, note?: string): GoalResult {
  if (value === undefined || !Number.isFinite(value)) return { text, measured: 'not run', limit: '', status: 'n/a' };
  return {
    text,
    measured: `${value.toFixed(value < 10 ? 3 : 1)} ${unit}`,
    limit: `< ${limit} ${unit}`,
    status: value < limit ? 'pass' : 'miss',
    ...(note ? { note } : {}),
  };
}

/** Evaluates every target of issue 6 against the results of this run. */
export function evaluateGoals(list: readonly ScenarioResult[]): GoalResult[] {
  const results: Results = new Map(list.map((result) => [result.id, result]));
  const vsNginx = (scenario: string, target: string, metric: string, nginxScenario = scenario) =>
    pairedRatio(results, [scenario, target, metric], [nginxScenario, 'nginx', metric]);
  const lookups = ['v4HitNs', 'v4MissNs', 'v4MappedHitNs', 'v6HitNs', 'v6MissNs'];
  const peaks = [
    maxOf(results, 'login-storm', 'gateway', ['totalPeakRssMB']),
    ...['gateway', 'gateway-lmdb', 'gateway-redis'].map((target) =>
      maxOf(results, 'shared-peak-rss', target, ['peakRssMB']),
    ),
    maxOf(results, 'large-bodies', 'gateway', ['uploadPeakRssMB', 'downloadPeakRssMB']),
  ].filter((value): value is number => value !== undefined);
  const gatewayCpu = medianOf(results, 'get-page', 'gateway', 'cpuUsPerReq');
  const nginxCpu = medianOf(results, 'get-page', 'nginx', 'cpuUsPerReq');
  const allowlistNs = results.has('ip-matcher')
    ? Math.max(...lookups.map((metric) => medianOf(results, 'ip-matcher', 'in-process', metric) ?? Number.NaN))
    : undefined;

  const authCpuRatio = (target: string) =>
    pairedRatio(results, ['auth-get', target, 'cpuUsPerReq'], ['auth-get', 'passthrough', 'cpuUsPerReq']);
  const p99Added = (target: string) => medianOf(results, 'fixed-rate-latency', target, 'p99AddedMs');
  const cookieNs = results.has('cookie-signing')
    ? Math.max(
        ...['verifyFullNs', 'verifyFullRotatingNs'].map(
          (metric) => medianOf(results, 'cookie-signing', 'in-process', metric) ?? Number.NaN,
        ),
      )
    : undefined;

  return [
    below('authenticated GET, memory store: CPU/request vs passthrough', authCpuRatio('gateway'), 1.15, 'x'),
    below('authenticated GET, LMDB store: CPU/request vs passthrough', authCpuRatio('gateway-lmdb'), 1.15, 'x'),
    atLeast(
      'authenticated GET, memory store: requests/s vs nginx',
      vsNginx('auth-get', 'gateway', 'rps', 'get-page'),
      0.45,
      'x',
    ),
    below(
      'authenticated GET, Redis store: CPU/request vs passthrough',
      authCpuRatio('gateway-redis'),
      1.5,
      'x',
      "redis-server's CPU counted as the gateway's",
    ),
    atLeast('anonymous GET 2 KB: gateway requests/s vs nginx', vsNginx('get-page', 'gateway', 'rps'), 0.45, 'x'),
    below(
      'p99 added at ~1,000 rps, full session, vs what passthrough adds',
      pairedRatio(
        results,
        ['fixed-rate-latency', 'gateway', 'p99AddedMs'],
        ['fixed-rate-latency', 'passthrough', 'p99AddedMs'],
      ),
      1.25,
      'x',
    ),
    below(
      'p99 added over bare at ~1,000 rps, full session',
      p99Added('gateway'),
      3,
      'ms',
      `nginx adds ${p99Added('nginx')?.toFixed(3) ?? '?'} ms, passthrough ${p99Added('passthrough')?.toFixed(3) ?? '?'} ms in this run`,
    ),
    atLeast(
      '1 MiB responses: gateway throughput vs nginx',
      vsNginx('mib-responses', 'gateway', 'mibPerSecond'),
      0.45,
      'x',
    ),
    below(
      'RSS growth for 1 GiB each way (worst round and direction)',
      maxOf(results, 'large-bodies', 'gateway', ['uploadGrowthMB', 'downloadGrowthMB']),
      50,
      'MB',
    ),
    below('peak RSS under load (worst over every scenario)', peaks.length ? Math.max(...peaks) : undefined, 200, 'MB'),
    below(
      'proxied p99 during a storm of 20 concurrent logins vs idle',
      medianOf(results, 'login-storm', 'gateway', 'p99Ratio'),
      2,
      'x',
    ),
    below(
      'allowlist lookup, 10,000 entries (slowest case)',
      allowlistNs === undefined ? undefined : allowlistNs / 1000,
      2,
      'µs',
      `of an address read once per request; reading one costs ${((medianOf(results, 'ip-matcher', 'in-process', 'v6ReadNs') ?? Number.NaN) / 1000).toFixed(2)} µs for IPv6, ${((medianOf(results, 'ip-matcher', 'in-process', 'v4ReadNs') ?? Number.NaN) / 1000).toFixed(2)} µs for IPv4`,
    ),
    below(
      'cookie verification, full check (slowest of 1 and 2 keys)',
      cookieNs === undefined ? undefined : cookieNs / 1000,
      5,
      'µs',
    ),
    {
      text: 'CPU µs per 2 KB request (gateway / nginx)',
      measured: `${gatewayCpu?.toFixed(1) ?? '?'} / ${nginxCpu?.toFixed(1) ?? '?'}`,
      limit: 'reference: nginx 16-20, bare undici Pool ~55, node:http ~100',
      status: 'info',
    },
  ];
}
