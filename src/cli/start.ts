// Owns `gateway start`: load the configuration, start the gateway, stop it gracefully on
// SIGTERM or SIGINT, re-read the configuration on SIGHUP.

import { createFileConfigSource } from '../config/source.js';
import { startGateway } from '../gateway.js';
import { createLogger } from '../ops/logger.js';
import { positionals, readArgs } from './command.js';

/** Runs `gateway start [--config FILE]`; resolves with the exit code once the gateway has stopped. */
export async function startCommand(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv);
  positionals(args, [], 'start');
  // The level is known only after the configuration is read; a failure to read it is reported at info.
  const logger = createLogger({ level: 'info' });
  // An invalid file throws ConfigInvalidError, which main.ts reports as every other command's.
  const config = await createFileConfigSource(args.config, logger);
  logger.level = config.current().config.logging.level;
  const gateway = await startGateway({ config, logger });
  logger.info(
    { event: 'gateway.started', url: gateway.url, upstream: config.current().config.upstream.url, pid: process.pid },
    `gateway listening on ${gateway.url}`,
  );

  const stop = async (signal: string) => {
    logger.info({ event: 'gateway.stopping', signal }, 'stopping: finishing requests in flight');
    await gateway.shutdown();
    logger.info({ event: 'gateway.stopped' }, 'stopped');
    logger.flush();
  };
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop(signal).then(
        () => resolve(0),
        (error: Error) => {
          logger.error({ event: 'gateway.stop_failed', err: error }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', () => void config.reload());
  });
}
