// Owns the list of scenarios, in the order they run. The later scenarios of issue 6
// (authenticated GET with the memory and Redis stores, the login storm, cookie sign/verify)
// are added here as new files; load scenarios that share a group share the target processes
// of each round.

import { fixedRateLatency } from './fixed-rate-latency.js';
import { gatewayProfile } from './gateway-profile.js';
import { getPage } from './get-page.js';
import { ipMatcher } from './ip-matcher.js';
import { largeBodies } from './large-bodies.js';
import { mibResponses } from './mib-responses.js';
import type { Scenario } from './types.js';

export const SCENARIOS: readonly Scenario[] = [
  getPage,
  fixedRateLatency,
  mibResponses,
  largeBodies,
  ipMatcher,
  gatewayProfile,
];
