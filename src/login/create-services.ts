// Owns building the login layer's services from the configuration at start-up: keys, the
// store, session records, the factors and the guessing limits.

import { createRegulator } from '../access/regulator.js';
import type { GatewayConfig } from '../config/schema.js';
import { loadKeys } from '../crypto/keys.js';
import { createSealer } from '../crypto/sealing.js';
import { createSigner } from '../crypto/signing.js';
import { createRecoveryCodes } from '../factors/recovery-codes.js';
import { createTotpFactor } from '../factors/totp/totp-factor.js';
import type { Logger } from '../ops/logger.js';
import type { Upstream } from '../proxy/upstream.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import { createSessionRecords } from '../session/records.js';
import { createStore } from '../store/index.js';
import type { LoginServices } from './services.js';

export async function createLoginServices(options: {
  config: () => Readonly<GatewayConfig>;
  upstream: () => Upstream;
  webSockets: WebSocketTracker;
  logger: Logger;
  now?: () => number;
}): Promise<LoginServices> {
  const initial = options.config();
  const now = options.now ?? Date.now;
  const keys = await loadKeys(initial.keys, initial.data_dir);
  const store = await createStore(initial.store);
  const sealer = createSealer(keys.sealing);
  const settings = () => {
    const { session } = options.config();
    return { idleMs: session.idle, absoluteMs: session.absolute, pendingMs: session.pending };
  };
  return {
    store,
    keys,
    sealer,
    signer: createSigner(keys.signing),
    records: createSessionRecords({ store, sealer, settings, now }),
    totp: createTotpFactor({ store, sealer, issuer: initial.totp.issuer, now }),
    recovery: createRecoveryCodes({ store, key: keys.digest }),
    secondStepLimits: createRegulator(store, 'second-step', () => options.config().limits.second_step),
    passwordLimits: createRegulator(store, 'password', () => options.config().limits.password),
    webSockets: options.webSockets,
    upstream: options.upstream,
    logger: options.logger,
    now,
  };
}
