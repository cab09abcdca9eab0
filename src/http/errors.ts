// Owns the gateway's failure codes: each has one stable code, one HTTP status and one
// sentence for the user; the technical reason goes to the log, never to the page.

export const GATEWAY_ERRORS = {
  BAD_REQUEST_TARGET: { status: 400, title: 'Bad request', message: 'The address of this request is malformed.' },
  BAD_FORWARDED_HEADER: {
    status: 400,
    title: 'Bad request',
    message: 'A forwarding header of this request is malformed.',
  },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', message: 'This request method is not allowed.' },
  NOT_FOUND: { status: 404, title: 'Not found', message: 'There is no gateway page at this address.' },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    title: 'Service unavailable',
    message: 'The application behind this gateway cannot be reached. Please try again shortly.',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    title: 'Service too slow',
    message: 'The application behind this gateway did not answer in time. Please try again shortly.',
  },
  SHUTTING_DOWN: { status: 503, title: 'Restarting', message: 'The gateway is restarting. Please try again shortly.' },
  INTERNAL: { status: 500, title: 'Internal error', message: 'Something went wrong in the gateway.' },
} as const satisfies Record<string, { status: number; title: string; message: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

// undici's error codes (lib/core/errors.js) and socket errno values, mapped once.
const UPSTREAM_TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Maps an error from forwarding to the code the client is shown. */
export function upstreamErrorCode(error: unknown): GatewayErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UPSTREAM_TIMEOUT_CODES.has(code) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
}
