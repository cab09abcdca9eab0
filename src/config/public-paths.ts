// Owns matching a routing path against the configured public paths: what reaches the app
// without a gateway session (S0). Used by the access decision and by the configuration's own
// cross-section check that the login page is public.

import type { PublicPath } from './sections/login.js';

/** Whether a routing path is one of the public paths ("/x" exactly; "/x/" and everything below it). */
export function isPublicPath(routingPath: string, publicPaths: readonly PublicPath[]): boolean {
  return publicPaths.some((entry) =>
    entry.prefix ? routingPath === entry.path || routingPath.startsWith(`${entry.path}/`) : routingPath === entry.path,
  );
}
