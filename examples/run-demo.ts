// `npm run demo`: the demo invoicing app and the gateway in front of it with the shipped
// gateway.yaml, in one process, stopped together by Ctrl-C or SIGTERM. Ports come from flags or
// the environment (`npm run demo -- --port 8081 --app-port 3002`, DEMO_PORT, DEMO_APP_PORT,
// DEMO_METRICS_PORT); a port in use is one line and exit 1. The terminal shows one line per
// audit event; `--json-logs` prints the gateway's JSON log lines instead.

import { parseArgs } from 'node:util';
import type { GatewayConfig } from '../src/config/schema.js';
import { createFileConfigSource } from '../src/config/source.js';
import { startGateway } from '../src/gateway.js';
import { createLogger } from '../src/ops/logger.js';
import { demoLogDestination } from './demo-log.js';
import { createInvoiceApp } from './invoice-app/app.js';

const USAGE =
  'usage: npm run demo -- [--port N] [--app-port N] [--metrics-port N] [--json-logs] ' +
  '(or DEMO_PORT, DEMO_APP_PORT, DEMO_METRICS_PORT)';

/** Prints one line and exits: nothing of a stack trace reaches someone trying the demo. */
function fail(message: string, code = 1): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
}

let flags: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      'app-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      'json-logs': { type: 'boolean', default: false },
    },
  }).values;
}
try {
  flags = parse();
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}

/** A port from its flag or environment variable, or undefined to keep gateway.yaml's. */
function portOf(flag: string | undefined, variable: string): number | undefined {
  const text = flag ?? process.env[variable];
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${text} is not a port (1-65535)\n${USAGE}`, 2);
  return port;
}
const ports = {
  gateway: portOf(flags.port, 'DEMO_PORT'),
  app: portOf(flags['app-port'], 'DEMO_APP_PORT'),
  metrics: portOf(flags['metrics-port'], 'DEMO_METRICS_PORT'),
};

/** gateway.yaml with the ports chosen on the command line (kept on every reload). */
function adjust(config: Readonly<GatewayConfig>): Readonly<GatewayConfig> {
  const upstream = new URL(config.upstream.url);
  if (ports.app !== undefined) upstream.port = String(ports.app);
  return {
    ...config,
    listen: { ...config.listen, port: ports.gateway ?? config.listen.port },
    upstream: { ...config.upstream, url: upstream.origin },
    ...(config.metrics && ports.metrics !== undefined ? { metrics: { ...config.metrics, port: ports.metrics } } : {}),
  };
}

/** The address a listen failed on, when it failed because something else holds it. */
function portInUse(error: unknown): { port: number; address: string } | undefined {
  for (let cause = error as { code?: string; port?: number; address?: string; cause?: unknown } | undefined; cause; ) {
    if (cause.code === 'EADDRINUSE') return { port: cause.port ?? 0, address: cause.address ?? '' };
    cause = cause.cause as typeof cause;
  }
  return undefined;
}

const configFile = process.env.GATEWAY_CONFIG ?? 'gateway.yaml';
const logger = createLogger({
  level: 'info',
  ...(flags['json-logs'] ? {} : { destination: demoLogDestination(process.stdout) }),
});
const config = await createFileConfigSource(configFile, logger, { adjust });
const settings = config.current().config;
const upstream = new URL(settings.upstream.url);

const app = createInvoiceApp();
let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  await app.listen(Number(upstream.port), upstream.hostname);
  gateway = await startGateway({ config, logger });
} catch (error) {
  const taken = portInUse(error);
  if (!taken) throw error;
  await app.close();
  config.close();
  const which =
    taken.port === Number(upstream.port)
      ? 'the demo app (--app-port, DEMO_APP_PORT)'
      : taken.port === settings.metrics?.port
        ? 'the metrics (--metrics-port, DEMO_METRICS_PORT)'
        : 'the gateway (--port, DEMO_PORT)';
  fail(`port ${taken.port} on ${taken.address} is in use; choose another for ${which}`);
}

const prefix = settings.listen.gateway_prefix;
process.stderr.write(`
  Demo invoicing app behind the login-security gateway.

  Open  ${gateway.url}/   (the app itself listens on ${upstream.origin}, for the gateway only)

  Demo users:   alice / alice-password   (admin: sets up an authenticator app at first
                                          login, then is asked for its code every time)
                bob   / bob-password     (staff)
                carol / carol-password   (staff)

  Account security (set up or turn off TOTP): ${gateway.url}${prefix}/account

  Health: ${gateway.url}${prefix}/readyz · Ctrl-C stops both.
  ${flags['json-logs'] ? 'The gateway logs JSON lines below.' : 'Below, one line per audit event (sign-ins, refusals, enrollments); --json-logs for every log line.'}

`);

const stop = async () => {
  await gateway.shutdown();
  await app.close();
  logger.flush();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
