// Owns running wrk (the load generator, from Debian) pinned like every other process, flat out
// or paced with think time, and reading its summary (load/wrk-report.lua).

import { join } from 'node:path';
import { runToEnd, spawnChild } from '../lib/processes.js';
import { BENCH_DIR } from '../servers/paths.js';

export interface WrkRun {
  wrk: string;
  cpus: string | undefined;
  url: string;
  seconds: number;
  connections: number;
  /** One thread: on a shared core more threads only add context switches. */
  threads?: number;
  /** Paced mode: each connection waits this long on average between requests (see wrk-report.lua). */
  thinkMs?: number;
  /** Request headers ("Cookie: …"). */
  headers?: readonly string[];
}

export interface WrkResult {
  requests: number;
  seconds: number;
  bytes: number;
  /** Socket errors and non-2xx/3xx answers together. */
  errors: number;
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
  requestsPerSecond: number;
  bytesPerSecond: number;
}

interface WrkSummary {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
  latency_us: WrkResult['latencyUs'];
}

/** Runs wrk for `seconds` against `url` and returns its summary. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = [
    `-t${run.threads ?? 1}`,
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '--timeout',
    '10s',
    ...(run.headers ?? []).flatMap((header) => ['-H', header]),
    '-s',
    join(BENCH_DIR, 'load/wrk-report.lua'),
    run.url,
  ];
  const env = { ...process.env, BENCH_THINK_MS: run.thinkMs === undefined ? '' : String(run.thinkMs) };
  const { code, stdout, stderr } = await runToEnd(spawnChild('wrk', run.cpus, run.wrk, args, { env }));
  const line = /BENCH_JSON (\{.*\})/.exec(stdout)?.[1];
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${stderr || stdout}`);
  const summary = JSON.parse(line) as WrkSummary;
  const seconds = summary.duration_us / 1e6;
  const errors = Object.values(summary.errors).reduce((sum, n) => sum + n, 0);
  return {
    requests: summary.requests,
    seconds,
    bytes: summary.bytes,
    errors,
    latencyUs: summary.latency_us,
    requestsPerSecond: summary.requests / seconds,
    bytesPerSecond: summary.bytes / seconds,
  };
}
