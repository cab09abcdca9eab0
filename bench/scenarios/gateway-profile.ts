// Owns the profile scenario (opt-in: --profile): the gateway under `node --cpu-prof` while wrk
// sends it the 2 KB page with a full session, in three modes (passthrough, the memory store, the
// LMDB store: issue 17's comparisons), then for each a summary of where its CPU time went during
// the measured load (start-up and warm-up left out). Node 20 refuses --cpu-prof in NODE_OPTIONS, so it is a
// command-line flag. The profile file is kept under results/profiles/ for Chrome DevTools.
//
// V8 samples wall-clock time: on a shared core, time the gateway spends preempted inside a
// syscall (its writev wakes wrk, which then runs) would be charged to that syscall. So, where
// there are two cores, the gateway gets CPU 0 to itself here, and wrk and the upstream share CPU 1.

import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from '../lib/cpu-profile.js';
import { cpuMicros } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit } from '../lib/processes.js';
import { runWrk } from '../load/wrk.js';
import { type GatewayMode, startGateway } from '../servers/gateway.js';
import { REPO_ROOT } from '../servers/paths.js';
import { startUpstream } from '../servers/start-upstream.js';
import type { BenchContext, Metrics, StandaloneScenario } from './types.js';

/** The modes profiled, named as the load scenarios name their targets. */
const MODES: ReadonlyArray<{ target: string; mode: GatewayMode }> = [
  { target: 'passthrough', mode: { layers: 'off' } },
  { target: 'gateway', mode: { layers: 'on', store: 'memory' } },
  { target: 'gateway-lmdb', mode: { layers: 'on', store: 'lmdb' } },
];

/** Profiles one mode; the figure and the summary's lines. */
async function profileMode(
  ctx: BenchContext,
  target: string,
  mode: GatewayMode,
): Promise<{ metrics: Metrics; notes: string[]; summary: ReturnType<typeof summarizeProfile> }> {
  const { options, tools } = ctx;
  const alone = ctx.machine.cores >= 2;
  const cpus = { proxy: alone ? '0' : ctx.layout.proxy, others: alone ? '1' : ctx.layout.loadGenerator };
  const dir = await mkdtemp(join(tmpdir(), 'gateway-prof-'));
  removeAtExit(dir);
  const upstream = await startUpstream(cpus.others);
  let requests = 0;
  let cpuUs = 0;
  const window = { fromUs: 0, toUs: 0 };
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  try {
    const gateway = await startGateway({
      upstreamUrl: upstream.url,
      cpus: cpus.proxy,
      logLevel: options.gatewayLog,
      mode,
      // 250 µs: four times V8's default resolution, for a request that costs tens of µs.
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'],
    });
    try {
      const run = {
        wrk: tools.wrk,
        cpus: cpus.others,
        url: `${gateway.url}/page`,
        connections: 32,
        headers: gateway.sessionHeader ? [gateway.sessionHeader] : [],
      };
      await runWrk({ ...run, seconds: options.warmupSeconds });
      const before = cpuMicros(gateway.pid);
      window.fromUs = monotonicUs();
      const result = await runWrk({ ...run, seconds: options.loadSeconds * 2 });
      window.toUs = monotonicUs();
      cpuUs = cpuMicros(gateway.pid) - before;
      requests = result.requests;
    } finally {
      // A graceful stop: the profile is written when the process exits normally.
      await gateway.stop();
    }
  } finally {
    await upstream.stop();
  }
  const files = await readdir(dir);
  const sized = await Promise.all(files.map(async (name) => ({ name, size: (await stat(join(dir, name))).size })));
  // The main thread's profile is the big one (tsx's loader thread idles).
  const main = sized.sort((a, b) => b.size - a.size)[0];
  if (!main) throw new Error('the gateway wrote no CPU profile');
  const keepDir = join(REPO_ROOT, 'results/profiles');
  await mkdir(keepDir, { recursive: true });
  const kept = join(keepDir, `${target}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  await copyFile(join(dir, main.name), kept);
  await rm(dir, { recursive: true, force: true });
  forgetTempDir(dir);

  const summary = summarizeProfile(kept, window);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const notes = [
    `${target}: ${kept} (summary of the measured ${options.loadSeconds * 2} s: ${requests} requests, ${(cpuUs / requests).toFixed(1)} CPU µs/req under the profiler)`,
    `busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled`,
    'self time by area:',
    ...summary.byArea.map((line) => `  ${pct(line.share)}  ${line.name}`),
    'self time by function:',
    ...summary.selfByFunction.map((line) => `  ${pct(line.share)}  ${line.name}`),
    "inclusive time of the gateway's own functions:",
    ...summary.inclusiveSrc.map((line) => `  ${pct(line.share)}  ${line.name}`),
  ];
  return { metrics: { cpuUsPerReqProfiled: cpuUs / requests }, notes, summary };
}

export const gatewayProfile: StandaloneScenario = {
  kind: 'standalone',
  id: 'gateway-profile',
  title:
    'gateway CPU profile, authenticated GET of the 2 KB page, passthrough, memory and LMDB store (node --cpu-prof)',
  optIn: (options) => options.profile,
  async run(ctx) {
    const alone = ctx.machine.cores >= 2;
    const notes = [
      alone
        ? 'profile layout: taskset -c 0 gateway alone; taskset -c 1 wrk, upstream and bench process'
        : 'profile layout: everything on CPU 0 (one CPU): preempted time inside syscalls is counted',
    ];
    const targets: Record<string, { rounds: Metrics[]; median: Metrics }> = {};
    const details: Record<string, unknown> = {};
    for (const { target, mode } of MODES) {
      const profiled = await profileMode(ctx, target, mode);
      targets[target] = { rounds: [], median: profiled.metrics };
      details[target] = profiled.summary;
      notes.push(...profiled.notes);
    }
    return {
      id: 'gateway-profile',
      title: this.title,
      rows: [{ metric: 'cpuUsPerReqProfiled', label: 'CPU µs/req under the profiler', better: 'lower', digits: 1 }],
      targets,
      notes,
      details,
    };
  },
};
