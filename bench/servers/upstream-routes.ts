// Owns what the bench upstream and the gateway's bench configuration must agree on: the
// paths anyone may reach without a session, and the user the bench logs in as.

/** The user whose full session authenticated load carries (role staff, bound to an allowlist). */
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench';

/** Reachable without a gateway session: anonymous load is measured on these paths. */
export const PUBLIC_PATHS = ['/page', '/mib', '/upload', '/download', '/login'];
