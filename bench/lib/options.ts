// Owns the command line of `npm run bench` and the two run profiles (quick and full):
// how many rounds, how long each measurement lasts, which scenarios run.

import { parseArgs } from 'node:util';
import type { LayoutName } from './layout.js';

export interface BenchOptions {
  mode: 'quick' | 'full';
  /** Rounds of the interleaved scenarios (targets restarted for each). */
  rounds: number;
  /** Rounds of the 1 GiB body scenario. */
  bodyRounds: number;
  /** Load before each measurement, so that the JIT and the connection pools are warm. */
  warmupSeconds: number;
  /** Length of each closed-loop (wrk) measurement. */
  loadSeconds: number;
  /** Length of each fixed-rate latency measurement. */
  latencySeconds: number;
  /** Requests per second of the fixed-rate latency measurement (issue 6: about 1,000). */
  latencyRate: number;
  /** Bytes of each large upload and download (issue 6: 1 GiB). */
  bodyBytes: number;
  layout: LayoutName;
  /** Scenario ids to run (all when empty). */
  only: string[];
  /** Also run the gateway under `node --cpu-prof` and summarise where its time goes. */
  profile: boolean;
  /** Seconds the whole run may spend waiting for other processes on the machine to go quiet. */
  quietWaitSeconds: number;
  /** pino level of the gateway under test; `info` (the shipped default) writes an access line per request. */
  gatewayLog: string;
  /**
   * Node flags of the gateway targets' processes (workers inherit them), to weigh a V8 setting
   * such as --max-semi-space-size against the default; none by default, as the image runs it.
   */
  gatewayNodeFlags: string[];
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick            about 3 minutes: 2 rounds of short measurements (default: the full run, about 15 minutes)
  --rounds N         rounds of the interleaved scenarios (quick 2, full 5)
  --layout NAME      one-core (default: load generator, upstream and proxy on CPU 0) or split
                     (load generator on CPU 1, upstream and proxy on CPU 0)
  --only IDS         comma-separated scenario ids (get-page, auth-get, fixed-rate-latency,
                     paired-ratios, mib-responses, large-bodies, login-storm, store-size-login,
                     user-sessions-login, workers,
                     workers-node-upstream, ip-matcher, cookie-signing, access-log,
                     gateway-profile)
  --profile          add the gateway-profile scenario: the gateway under node --cpu-prof, summarised
  --quiet-wait S     seconds the run may spend, in all, waiting for other processes on the
                     machine to go quiet before a measurement (quick 10, full 90)
  --gateway-log LVL  the gateway's log level (default info: one access line per request, as shipped)
  --gateway-node-flags "F..."  Node flags of the gateway targets (e.g. --max-semi-space-size=2;
                     default none, as the Docker image runs it); the report prints them
  --help             this text
`;

const GIB = 1024 ** 3;

/** Parses argv; returns undefined after printing the usage for --help. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      layout: { type: 'string', default: 'one-core' },
      only: { type: 'string', default: '' },
      profile: { type: 'boolean', default: false },
      'gateway-log': { type: 'string', default: 'info' },
      'gateway-node-flags': { type: 'string', default: '' },
      'quiet-wait': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return undefined;
  }
  if (values.layout !== 'one-core' && values.layout !== 'split') throw new Error(`unknown layout "${values.layout}"`);
  const quick = values.quick;
  const rounds = values.rounds === undefined ? (quick ? 2 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer`);
  const only = values.only
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  return {
    mode: quick ? 'quick' : 'full',
    rounds,
    bodyRounds: quick ? 1 : 2,
    warmupSeconds: quick ? 1 : 2,
    loadSeconds: quick ? 3 : 6,
    latencySeconds: quick ? 4 : 10,
    latencyRate: 1000,
    bodyBytes: GIB,
    layout: values.layout,
    only,
    profile: values.profile || only.includes('gateway-profile'),
    gatewayLog: values['gateway-log'],
    gatewayNodeFlags: values['gateway-node-flags'].split(' ').filter(Boolean),
    quietWaitSeconds: values['quiet-wait'] === undefined ? (quick ? 10 : 90) : Number(values['quiet-wait']),
  };
}
