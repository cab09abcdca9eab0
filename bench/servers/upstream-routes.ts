// Owns what the bench upstream and the gateway's bench configuration must agree on: the
// paths anyone may reach without a session, the user the bench logs in as, and the 2 KB page
// (served by the Node upstream and, for the workers scenario, by nginx from a file).

/** The user whose full session authenticated load carries (role staff, bound to an allowlist). */
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench';

/** Reachable without a gateway session: anonymous load is measured on these paths. */
export const PUBLIC_PATHS = ['/page', '/mib', '/upload', '/download', '/login'];

/** A page of exactly 2,048 bytes, the size of a small app page or a JSON answer. */
export const PAGE = Buffer.alloc(2048, 'x');
PAGE.write('<!doctype html><title>bench</title><p>');
/** The page's Content-Type, the same from either upstream. */
export const PAGE_TYPE = 'text/html; charset=utf-8';
