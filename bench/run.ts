// Owns `npm run bench`: the gateway against the bare upstream and nginx, side by side (issue 6).
// Checks the tools (installing Debian's nginx-light and wrk when missing), pins the bench to
// its core, runs the scenarios (scenarios/index.ts) group by group, prints the table and
// writes results/bench-<timestamp>.json. Every child process is stopped at the end, on
// SIGINT/SIGTERM and on failure.
//
//   npm run bench               full run (5 rounds, about 15 minutes)
//   npm run bench -- --quick    everyday run (2 short rounds, about 3 minutes)
//   npm run bench -- --help     every option

import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { BUILD_DIR, buildGateway } from './lib/build.js';
import { evaluateGoals } from './lib/goals.js';
import { layoutFor } from './lib/layout.js';
import { describeMachine } from './lib/machine.js';
import { parseOptions } from './lib/options.js';
import { installCleanup, stopAll } from './lib/processes.js';
import { renderReport } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { runLoadGroup } from './lib/rounds.js';
import { ensureTools, type Tools } from './lib/tools.js';
import { SCENARIOS } from './scenarios/index.js';
import type { BenchContext, LoadScenario, Scenario, ScenarioResult } from './scenarios/types.js';

/** Caddy's version, or why its target is skipped. */
function caddyLine(tools: Tools): string {
  return 'path' in tools.caddy ? `caddy ${tools.caddy.version}` : `caddy skipped: ${tools.caddy.missing}`;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The scenarios of this run: --only's list, else every one that is not opt-in (or was opted into). */
function selected(ctx: Pick<BenchContext, 'options'>): Scenario[] {
  const { only } = ctx.options;
  const unknown = only.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}`);
  return SCENARIOS.filter((scenario) => {
    if (only.length) return only.includes(scenario.id);
    return scenario.kind === 'load' || !scenario.optIn || scenario.optIn(ctx.options);
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return 0;
  installCleanup();
  const startedAt = new Date();
  const machine = describeMachine();
  const layout = layoutFor(options.layout);
  // The bench's own sampling and micro-benchmarks stay off the measured core.
  if (layout.harness !== undefined) {
    execFileSync('taskset', ['-a', '-p', '-c', layout.harness, String(process.pid)], { stdio: 'ignore' });
  }
  const tools = ensureTools();
  const loadAtStart = loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  const ctx: BenchContext = {
    options,
    layout,
    tools,
    machine,
    log,
    quietBudget: { leftMs: options.quietWaitSeconds * 1000 },
  };

  log(`bench: ${options.mode} run, ${options.rounds} rounds, started ${startedAt.toISOString()}`);
  log(`machine: ${machine.cores} cores (${machine.cpuModel}${machine.hypervisor ? ', VM' : ''}), Node ${machine.node}`);
  log(`tools: nginx ${tools.nginxVersion}, wrk ${tools.wrkVersion}, ${caddyLine(tools)}`);
  log(`gateway: compiled to ${BUILD_DIR}, log level ${options.gatewayLog}`);
  buildGateway();
  log(`pinning (${layout.name}): ${layout.describe}`);

  const results: ScenarioResult[] = [];
  const scenarios = selected(ctx);
  const groupsDone = new Set<string>();
  for (const scenario of scenarios) {
    if (scenario.kind === 'standalone') {
      log(`[${scenario.id}] ${scenario.title}`);
      results.push(await scenario.run(ctx));
      continue;
    }
    if (groupsDone.has(scenario.group)) continue;
    groupsDone.add(scenario.group);
    const group = scenarios.filter((s): s is LoadScenario => s.kind === 'load' && s.group === scenario.group);
    results.push(...(await runLoadGroup(group, ctx)));
  }

  const goals = evaluateGoals(results);
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  log('');
  log(`=== gateway bench (${options.mode}, ${seconds.toFixed(0)} s) ===`);
  log(
    `${machine.cores} cores, Node ${machine.node}, nginx ${tools.nginxVersion}, wrk ${tools.wrkVersion}, ${caddyLine(tools)}`,
  );
  log(
    `load average at the end: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} (at the start: ${loadAtStart})`,
  );
  log(
    `gateway compiled (tsconfig.build.json), log level ${options.gatewayLog}, Node flags: ${options.gatewayNodeFlags.join(' ') || 'none'}`,
  );
  log(`pinning: ${layout.describe}`);
  const waited = options.quietWaitSeconds - Math.max(0, ctx.quietBudget.leftMs) / 1000;
  log(`waited ${waited.toFixed(1)} s (of ${options.quietWaitSeconds} s allowed) for other processes to go quiet`);
  for (const line of renderReport(results, goals)) log(line);
  const file = await writeResults({ startedAt, options, layout, machine, tools, results, goals });
  log('');
  log(`results: ${file}`);
  return 0;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    // Exit now: an idle keep-alive socket of a verification request must not hold the bench open.
    process.exit(code);
  });
