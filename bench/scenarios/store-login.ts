// Owns the scenarios that time a login against an LMDB store filled beforehand, at two sizes:
// - store-size-login (issue 14): 1,000 vs 100,000 sessions of as many users, as a busy
//   deployment has; the JSON file store it replaced rewrote every session at every login.
// - user-sessions-login (issue 13): 10 vs 10,000 sessions of the one user who logs in, each
//   store at its per-user cap, so that every login also ends that user's oldest session; before
//   the per-user index a login read and decrypted every session of its user, and before the
//   index was an ordered set it read (and in LMDB rewrote) the whole index.
// Each store is filled in bulk with records of a real session's size and gets a gateway of its
// own; logins go through them one at a time, in alternating batches, each timed, and each
// gateway's CPU per login is read from /proc. 1.00x between the sizes: the cost does not grow.

import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { createOrderedMembers, type OrderedMembers } from '../../src/store/ordered-members.js';
import { cpuMicros } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit } from '../lib/processes.js';
import { median, percentile } from '../lib/stats.js';
import { GatewayClient } from '../load/login-client.js';
import { type RunningGateway, startGateway } from '../servers/gateway.js';
import { startUpstream } from '../servers/start-upstream.js';
import type { BenchContext, Metrics, Row, StandaloneScenario, TargetFigures } from './types.js';

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

/** The user who logs in: someone new each time, or always the one whose sessions fill the store. */
type Who = 'fresh users' | 'one user';
const ONE_USER = 'heavy-user';

interface StoreLoginSpec {
  id: string;
  title: string;
  sizes: readonly [number, number];
  who: Who;
}

/**
 * Writes `count` sessions (of as many users, or all of ONE_USER) with their index records, as
 * the gateway keeps them, in one transaction: a fill in chunks leaves LMDB a long list of freed
 * pages that every later commit walks (its known cost after bulk changes), which would measure
 * how the store was filled rather than its size; a store grown one login at a time reuses its
 * freed pages.
 */
async function fill(path: string, count: number, who: Who): Promise<void> {
  const store = await createLmdbStore({ path });
  try {
    await store.transaction(() => {
      const now = Date.now();
      const index = new Map<string, OrderedMembers>();
      for (let i = 0; i < count; i += 1) {
        const id = randomBytes(16).toString('base64url');
        const user = who === 'one user' ? ONE_USER : `stored-${i}`;
        const value = randomBytes(SESSION_BYTES * 0.75).toString('base64');
        // Oldest first, a millisecond apart; each index member is "createdAt.endsAt.id", by createdAt (session/records.ts).
        const createdAt = now - count + i;
        store.writeEntry(`session:${id}`, { kind: 'value', value, expiresAt: createdAt + DAY_MS });
        const members = index.get(user) ?? createOrderedMembers();
        members.add(`${createdAt}.${createdAt + DAY_MS}.${id}`, createdAt);
        index.set(user, members);
      }
      for (const [user, members] of index) {
        store.writeEntry(`sessions:user-index:${user}`, { kind: 'ordered', members, expiresAt: undefined });
      }
      store.writeEntry('sessions:users', { kind: 'set', members: new Set(index.keys()), expiresAt: undefined });
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
async function prepare(
  spec: StoreLoginSpec,
  size: number,
  dir: string,
  upstreamUrl: string,
  cpus: string | undefined,
  logLevel: string,
) {
  const path = join(dir, `store-${size}.lmdb`);
  const started = performance.now();
  await fill(path, size, spec.who);
  const handle = await open(path, 'r');
  await handle.sync();
  await handle.close();
  const fillSeconds = (performance.now() - started) / 1000;
  const gateway = await startGateway({
    upstreamUrl,
    cpus,
    logLevel,
    // One user's store sits at its cap: every login ends that user's oldest session.
    mode: { layers: 'on', store: 'lmdb', lmdbPath: path, ...(spec.who === 'one user' ? { maxPerUser: size } : {}) },
  });
  return { size, gateway, fillSeconds, times: [], cpuUs: 0, logins: 0 } satisfies Prepared;
}

/** Logs `count` users in through the gateway, one at a time, and adds their times and CPU to `target`. */
async function logins(target: Prepared, who: Who, count: number, prefix: string): Promise<void> {
  const cpuBefore = cpuMicros(target.gateway.pid);
  for (let i = 0; i < count; i += 1) {
    const user = who === 'one user' ? ONE_USER : `${prefix}-${target.logins + i}`;
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
async function measure(ctx: BenchContext, spec: StoreLoginSpec, batches: number): Promise<Prepared[]> {
  const cpus = { proxy: ctx.layout.proxy, others: ctx.layout.loadGenerator };
  const dir = await mkdtemp(join(tmpdir(), `gateway-${spec.id}-`));
  removeAtExit(dir);
  const upstream = await startUpstream(cpus.others);
  const prepared: Prepared[] = [];
  try {
    for (const size of spec.sizes) {
      ctx.log(`${spec.id}: filling ${size.toLocaleString('en')} sessions of ${spec.who}`);
      prepared.push(await prepare(spec, size, dir, upstream.url, cpus.proxy, ctx.options.gatewayLog));
    }
    for (const target of prepared) await logins(target, spec.who, WARMUP_LOGINS, 'warmup');
    for (let batch = 0; batch < batches; batch += 1) {
      for (const target of prepared) await logins(target, spec.who, BATCH_LOGINS, 'measured');
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

function storeLoginScenario(spec: StoreLoginSpec): StandaloneScenario {
  const label = (size: number) => `${size.toLocaleString('en')} sessions`;
  return {
    kind: 'standalone',
    id: spec.id,
    title: spec.title,
    async run(ctx) {
      const targets: Record<string, TargetFigures> = {};
      for (const target of await measure(ctx, spec, ctx.options.mode === 'quick' ? 5 : 15)) {
        const figures = figuresOf(target);
        targets[label(target.size)] = { rounds: [figures], median: figures };
      }
      const [small, large] = spec.sizes.map((size) => targets[label(size)]?.median);
      const ratio = (metric: string) => ((large?.[metric] ?? Number.NaN) / (small?.[metric] ?? Number.NaN)).toFixed(2);
      return {
        id: spec.id,
        title: spec.title,
        targets,
        rows: ROWS,
        notes: [
          `${label(spec.sizes[1])} vs ${label(spec.sizes[0])} of ${spec.who}: median login ${ratio('loginMedianMs')}x, ` +
            `p90 ${ratio('loginP90Ms')}x, gateway CPU per login ${ratio('cpuUsPerLogin')}x ` +
            '(1.00x: the cost does not grow with the store)',
        ],
      };
    },
  };
}

export const storeSizeLogin = storeLoginScenario({
  id: 'store-size-login',
  title: 'login cost with 1,000 vs 100,000 stored sessions, LMDB store',
  sizes: [1_000, 100_000],
  who: 'fresh users',
});

export const userSessionsLogin = storeLoginScenario({
  id: 'user-sessions-login',
  title: "login cost with 10 vs 10,000 of the user's own sessions (each at its cap), LMDB store",
  sizes: [10, 10_000],
  who: 'one user',
});
