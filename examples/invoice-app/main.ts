// Command-line entry: starts the demo invoicing app and shuts it down cleanly on SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { createInvoiceApp } from './app.js';

const USAGE = [
  'usage: node --import tsx examples/invoice-app/main.ts',
  '         [--port 3001] [--host 127.0.0.1] [--no-rotate-session] [--lenient]',
  '  INVOICE_APP_PORT sets the port when --port is not given; INVOICE_APP_LENIENT=1 is --lenient.',
].join('\n');

interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly rotateSessionOnLogin: boolean;
  readonly lenient: boolean;
}

function parsePort(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port <= 65535)) throw new Error(`invalid port: ${raw}`);
  return port;
}

function parseCli(args: readonly string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-rotate-session': { type: 'boolean', default: false },
      lenient: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  return {
    port: parsePort(values.port ?? process.env.INVOICE_APP_PORT ?? '3001'),
    host: values.host,
    rotateSessionOnLogin: !values['no-rotate-session'],
    lenient: values.lenient || process.env.INVOICE_APP_LENIENT === '1',
  };
}

let options: CliOptions | 'help';
try {
  options = parseCli(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

const app = createInvoiceApp({
  rotateSessionOnLogin: options.rotateSessionOnLogin,
  lenient: options.lenient,
  logger: console,
});
try {
  const url = await app.listen(options.port, options.host);
  const rotation = options.rotateSessionOnLogin ? 'on' : 'OFF (session fixation demo)';
  const lenient = options.lenient ? ', LENIENT login reading' : '';
  console.log(`invoice-app listening on ${url} (session rotation on login: ${rotation}${lenient})`);
} catch (error) {
  console.error(`invoice-app: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // once(): a second signal falls back to Node's default and ends the process at once.
  process.once(signal, () => {
    console.log(`invoice-app: ${signal} received, shutting down`);
    app.close().then(
      () => console.log('invoice-app: stopped'),
      (error: unknown) => {
        console.error(`invoice-app: shutdown failed: ${String(error)}`);
        process.exitCode = 1;
      },
    );
  });
}
