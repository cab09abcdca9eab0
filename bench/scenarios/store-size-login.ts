// Owns the store-size scenario (issue 14): the cost of a login with the LMDB store holding
// 1,000 sessions and then 100,000 (of as many users, as a busy deployment has), to show that a
// login's cost does not grow with the number of stored sessions (the JSON file store it
// replaced rewrote every session at every login). The store is filled beforehand, in bulk, with
// records of a real session's size; then logins of fresh users go through the gateway one at a
// time, and each is timed, and the gateway's CPU per login is read from /proc.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { cpuMicros } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit } from '../lib/processes.js';
import { median, percentile } from '../lib/stats.js';
import { GatewayClient } from '../load/login-client.js';
import { startGateway } from '../servers/gateway.js';
import { startUpstream } from '../servers/start-upstream.js';
import type { Metrics, Row, StandaloneScenario, TargetFigures } from './types.js';

const SIZES = [1_000, 100_000];
/** The size of a sealed session record with a small cookie vault, as the gateway writes one. */
const SESSION_BYTES = 600;
const WARMUP_LOGINS = 30;
const FILL_CHUNK = 5_000;
const DAY_MS = 86_400_000;

const ROWS: readonly Row[] = [
  { metric: 'loginMedianMs', label: 'login, median (ms)', better: 'lower', digits: 2 },
  { metric: 'loginP90Ms', label: 'login, p90 (ms)', better: 'lower', digits: 2 },
  { metric: 'cpuUsPerLogin', label: 'gateway CPU per login (µs)', better: 'lower', digits: 0 },
  { metric: 'fillSeconds', label: 'filling the store beforehand (s)', better: 'lower', digits: 1 },
];

/** Writes `count` sessions of as many users, with their index records, as the gateway keeps them. */
async function fill(path: string, count: number): Promise<void> {
  const store = await createLmdbStore({ path });
  try {
    const users = new Set<string>();
    for (let from = 0; from < count; from += FILL_CHUNK) {
      await store.transaction(() => {
        for (let i = from; i < Math.min(count, from + FILL_CHUNK); i += 1) {
          const id = randomBytes(16).toString('base64url');
          const user = `stored-${i}`;
          const expiresAt = Date.now() + DAY_MS;
          const value = randomBytes(SESSION_BYTES * 0.75).toString('base64');
          store.writeEntry(`session:${id}`, { kind: 'value', value, expiresAt });
          store.writeEntry(`sessions:user:${user}`, { kind: 'set', members: new Set([id]), expiresAt: undefined });
          users.add(user);
        }
      });
    }
    await store.transaction(() =>
      store.writeEntry('sessions:users', { kind: 'set', members: users, expiresAt: undefined }),
    );
  } finally {
    await store.close();
  }
}

/** Fills a store of `size` sessions, starts a gateway on it and times `logins` logins of new users. */
async function measure(
  size: number,
  logins: number,
  cpus: { proxy: string | undefined; others: string | undefined },
  logLevel: string,
) {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-store-size-'));
  removeAtExit(dir);
  const path = join(dir, 'store.lmdb');
  const started = performance.now();
  await fill(path, size);
  const fillSeconds = (performance.now() - started) / 1000;
  const upstream = await startUpstream(cpus.others);
  try {
    const gateway = await startGateway({
      upstreamUrl: upstream.url,
      cpus: cpus.proxy,
      logLevel,
      mode: { layers: 'on', store: 'lmdb', lmdbPath: path },
    });
    try {
      const login = async (user: string) => {
        const outcome = await new GatewayClient(gateway.url, user).signIn();
        if (outcome !== 'full') throw new Error(`${user}: expected a full session, got ${outcome}`);
      };
      for (let i = 0; i < WARMUP_LOGINS; i += 1) await login(`warmup-${i}`);
      const times: number[] = [];
      const cpuBefore = cpuMicros(gateway.pid);
      for (let i = 0; i < logins; i += 1) {
        const start = performance.now();
        await login(`measured-${i}`);
        times.push(performance.now() - start);
      }
      const cpuUsPerLogin = (cpuMicros(gateway.pid) - cpuBefore) / logins;
      const sorted = [...times].sort((a, b) => a - b);
      return { loginMedianMs: median(times), loginP90Ms: percentile(sorted, 90), cpuUsPerLogin, fillSeconds };
    } finally {
      await gateway.stop();
    }
  } finally {
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
    forgetTempDir(dir);
  }
}

export const storeSizeLogin: StandaloneScenario = {
  kind: 'standalone',
  id: 'store-size-login',
  title: 'login cost with 1,000 vs 100,000 stored sessions, LMDB store',
  async run(ctx) {
    const cpus = { proxy: ctx.layout.proxy, others: ctx.layout.loadGenerator };
    const logins = ctx.options.mode === 'quick' ? 150 : 400;
    const targets: Record<string, TargetFigures> = {};
    for (const size of SIZES) {
      ctx.log(`store-size-login: ${size.toLocaleString('en')} stored sessions`);
      const figures: Metrics = await measure(size, logins, cpus, ctx.options.gatewayLog);
      targets[`${size.toLocaleString('en')} sessions`] = { rounds: [figures], median: figures };
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
