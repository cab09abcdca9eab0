// Owns the list of scenarios, in the order they run; load scenarios that share a group share
// the target processes of each round.

import { accessLog } from './access-log.js';
import { authGet } from './auth-get.js';
import { cookieSigning } from './cookie-signing.js';
import { fixedRateLatency } from './fixed-rate-latency.js';
import { gatewayProfile } from './gateway-profile.js';
import { getPage } from './get-page.js';
import { ipMatcher } from './ip-matcher.js';
import { largeBodies } from './large-bodies.js';
import { loginStorm } from './login-storm.js';
import { mibResponses } from './mib-responses.js';
import { pairedRatios } from './paired-ratios.js';
import { storeSizeLogin, userSessionsLogin } from './store-login.js';
import type { Scenario } from './types.js';
import { workers, workersNodeUpstream } from './workers.js';

export const SCENARIOS: readonly Scenario[] = [
  getPage,
  authGet,
  fixedRateLatency,
  pairedRatios,
  mibResponses,
  largeBodies,
  loginStorm,
  storeSizeLogin,
  userSessionsLogin,
  workers,
  workersNodeUpstream,
  ipMatcher,
  cookieSigning,
  accessLog,
  gatewayProfile,
];
