// `npm run demo`: the demo invoicing app on 127.0.0.1:3001 and the gateway in front of it
// with the shipped gateway.yaml, in one process, stopped together by Ctrl-C or SIGTERM.

import { createFileConfigSource } from '../src/config/source.js';
import { startGateway } from '../src/gateway.js';
import { createLogger } from '../src/ops/logger.js';
import { createInvoiceApp } from './invoice-app/app.js';

const configFile = process.env.GATEWAY_CONFIG ?? 'gateway.yaml';
const logger = createLogger({ level: 'info' });
const config = await createFileConfigSource(configFile, logger);
const upstream = new URL(config.current().config.upstream.url);

const app = createInvoiceApp();
await app.listen(Number(upstream.port), upstream.hostname);
const gateway = await startGateway({ config, logger });

process.stderr.write(`
  Demo invoicing app behind the login-security gateway.

  Open  ${gateway.url}/   (the app itself listens on ${upstream.origin}, for the gateway only)

  Demo users:   alice / alice-password   (admin: sets up an authenticator app at first
                                          login, then is asked for its code every time)
                bob   / bob-password     (staff)
                carol / carol-password   (staff)

  Account security (set up or turn off TOTP): ${gateway.url}${config.current().config.listen.gateway_prefix}/account

  Health: ${gateway.url}${config.current().config.listen.gateway_prefix}/readyz · Ctrl-C stops both.

`);

const stop = async () => {
  await gateway.shutdown();
  await app.close();
  logger.flush();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
