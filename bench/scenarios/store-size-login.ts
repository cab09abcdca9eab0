// Owns the store-size scenario (issue 14): the cost of a login with the LMDB store holding
// 1,000 sessions and with 100,000 (of as many users, as a busy deployment has), to show that a
// login's cost does not grow with the number of stored sessions (the JSON file store it
// replaced rewrote every session at every login). Each store is filled beforehand, in bulk, with
// records of a real session's size, and gets a gateway of its own; logins of fresh users go
// through them one at a time, in alternating batches, each timed, and each gateway's CPU per
// login is read from /proc.

import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { cpuMicros } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit } from '../lib/processes.js';
import { median, percentile } from '../lib/stats.js';
import { GatewayClient } from '../load/login-client.js';
import { type RunningGateway, startGateway } from '../servers/gateway.js';
import { startUpstream } from '../servers/start-upstream.js';
import type { BenchContext, Metrics, Row, StandaloneScenario, TargetFigures } from './types.js';

const SIZES = [1_000, 100_000];
/** The size of a sealed session record with a small cookie vault, as the gateway writes one. */
const SESSION_BYTES = 600;
const WARMUP_LOGINS = 30;
/** Logins per batch; batches alternate between the two stores. */
const BATCH_LOGINS = 30;
const DAY_MS = 86_400_000;

const ROWS: readonly Row[] = [
  { metric: 'loginMedianMs', label: 'login, median (ms)', better: 'lower', digits: 2 },
  { metric: 'loginP90Ms', label: 'login, p90 (ms)', better: 'lower', digits: 2 },
  { metric: 'cpuUsPerLogin', label: 'gateway CPU per login (µs)', better: 'lower', digits: 0 },
  { metric: 'fillSeconds', label: 'filling the store beforehand (s)', better: 'lower', digits: 1 },
];

/**
 * Writes `count` sessions of as many users, with their index records, as the gateway keeps
 * them, in one transaction: a fill in chunks leaves LMDB a long list of freed pages that every
 * later commit walks (its known cost after bulk changes), which would measure how the store was
 * filled rather than its size; a store grown one login at a time reuses its freed pages.
 */
async function fill(path: string, count: number): Promise<void> {
  const store = await createLmdbStore({ path });
  try {
    await store.transaction(() => {
      const users = new Set<string>();
      const expiresAt = Date.now() + DAY_MS;
      for (let i = 0; i < count; i += 1) {
        const id = randomBytes(16).toString('base64url');
        const user = `stored-${i}`;
        const value = randomBytes(SESSION_BYTES * 0.75).toString('base64');
        store.writeEntry(`session:${id}`, { kind: 'value', value, expiresAt });
        store.writeEntry(`sessions:user:${user}`, { kind: 'set', members: new Set([id]), expiresAt: undefined });
        users.add(user);
      }
      store.writeEntry('sessions:users', { kind: 'set', members: users, expiresAt: undefined });
    });
  } finally {
    await store.close();
  }
}

interface Prepared {
  size: number;
  gateway: RunningGateway;
  fillSeconds: number;
  times: number[];
  cpuUs: number;
  logins: number;
}

/** Fills a store of `size` sessions (flushed to disk, so that its writeback does not overlap the measurement) and starts a gateway on it. */
async function prepare(size: number, dir: string, upstreamUrl: string, cpus: string | undefined, logLevel: string) {
  const path = join(dir, `store-${size}.lmdb`);
  const started = performance.now();
  await fill(path, size);
  const handle = await open(path, 'r');
  await handle.sync();
  await handle.close();
  const fillSeconds = (performance.now() - started) / 1000;
  const gateway = await startGateway({
    upstreamUrl,
    cpus,
    logLevel,
    mode: { layers: 'on', store: 'lmdb', lmdbPath: path },
  });
  return { size, gateway, fillSeconds, times: [], cpuUs: 0, logins: 0 } satisfies Prepared;
}

/** Logs `count` new users in through the gateway, one at a time, and adds their times and CPU to `target`. */
async function logins(target: Prepared, count: number, prefix: string): Promise<void> {
  const cpuBefore = cpuMicros(target.gateway.pid);
  for (let i = 0; i < count; i += 1) {
    const user = `${prefix}-${target.logins + i}`;
    const start = performance.now();
    const outcome = await new GatewayClient(target.gateway.url, user).signIn();
    if (outcome !== 'full') throw new Error(`${user}: expected a full session, got ${outcome}`);
    if (prefix === 'measured') target.times.push(performance.now() - start);
  }
  if (prefix === 'measured') {
    target.cpuUs += cpuMicros(target.gateway.pid) - cpuBefore;
    target.logins += count;
  }
}

/**
 * Both stores are filled and both gateways run at once; batches of logins alternate between
 * them, so that whatever else the machine does falls on both alike.
 */
async function measure(ctx: BenchContext, batches: number): Promise<Prepared[]> {
  const cpus = { proxy: ctx.layout.proxy, others: ctx.layout.loadGenerator };
  const dir = await mkdtemp(join(tmpdir(), 'gateway-store-size-'));
  removeAtExit(dir);
  const upstream = await startUpstream(cpus.others);
  const prepared: Prepared[] = [];
  try {
    for (const size of SIZES) {
      ctx.log(`store-size-login: filling ${size.toLocaleString('en')} sessions`);
      prepared.push(await prepare(size, dir, upstream.url, cpus.proxy, ctx.options.gatewayLog));
    }
    for (const target of prepared) await logins(target, WARMUP_LOGINS, 'warmup');
    for (let batch = 0; batch < batches; batch += 1) {
      for (const target of prepared) await logins(target, BATCH_LOGINS, 'measured');
    }
    return prepared;
  } finally {
    for (const target of prepared) await target.gateway.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
    forgetTempDir(dir);
  }
}

function figuresOf(target: Prepared): Metrics {
  const sorted = [...target.times].sort((a, b) => a - b);
  return {
    loginMedianMs: median(target.times),
    loginP90Ms: percentile(sorted, 90),
    cpuUsPerLogin: target.cpuUs / target.logins,
    fillSeconds: target.fillSeconds,
  };
}

export const storeSizeLogin: StandaloneScenario = {
  kind: 'standalone',
  id: 'store-size-login',
  title: 'login cost with 1,000 vs 100,000 stored sessions, LMDB store',
  async run(ctx) {
    const targets: Record<string, TargetFigures> = {};
    for (const target of await measure(ctx, ctx.options.mode === 'quick' ? 5 : 15)) {
      const figures = figuresOf(target);
      targets[`${target.size.toLocaleString('en')} sessions`] = { rounds: [figures], median: figures };
    }
    const [small, large] = SIZES.map((size) => targets[`${size.toLocaleString('en')} sessions`]?.median);
    const ratio = (metric: string) => ((large?.[metric] ?? Number.NaN) / (small?.[metric] ?? Number.NaN)).toFixed(2);
    return {
      id: this.id,
      title: this.title,
      targets,
      rows: ROWS,
      notes: [
        `100,000 vs 1,000 sessions: median login ${ratio('loginMedianMs')}x, p90 ${ratio('loginP90Ms')}x, ` +
          `gateway CPU per login ${ratio('cpuUsPerLogin')}x (1.00x: the cost does not grow with the store)`,
      ],
    };
  },
};
