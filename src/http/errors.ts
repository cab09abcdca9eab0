// Owns the gateway's failure codes: each has one stable code, one HTTP status and one
// sentence for the user; the technical reason goes to the log, never to the page.

export const GATEWAY_ERRORS = {
  BAD_REQUEST_TARGET: { status: 400, title: 'Bad request', message: 'The address of this request is malformed.' },
  BAD_FORWARDED_HEADER: {
    status: 400,
    title: 'Bad request',
    message: 'A forwarding header of this request is malformed.',
  },
  BAD_LOGIN_BODY: { status: 400, title: 'Bad request', message: 'This sign-in request could not be read.' },
  LOGIN_REQUIRED: { status: 401, title: 'Sign-in required', message: 'Please sign in first.' },
  CSRF_INVALID: {
    status: 403,
    title: 'Form expired',
    message: 'This form has expired or did not come from this site. Please go back and try again.',
  },
  LOGIN_REFUSED: { status: 403, title: 'Sign-in refused', message: 'This sign-in could not be completed.' },
  ENROLLMENT_REFUSED: {
    status: 403,
    title: 'Not allowed here',
    message: 'Setting up two-factor authentication is not allowed from here. Please contact your administrator.',
  },
  ALLOWLIST_REFUSED: {
    status: 403,
    title: 'Not allowed from here',
    message: 'Your account cannot be used from this network. Please contact your administrator.',
  },
  RULE_DENIED: {
    status: 403,
    title: 'Not available',
    message: 'This page is not available through this gateway.',
  },
  ADMIN_ONLY: {
    status: 403,
    title: 'Administrators only',
    message: 'This page is for administrators who signed in with a second step.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timed out',
    message: 'This request took too long to arrive. Please try again.',
  },
  BODY_TOO_LARGE: { status: 413, title: 'Request too large', message: 'This request is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported request',
    message: 'This sign-in request has an unexpected format.',
  },
  LOCKED_OUT: {
    status: 429,
    title: 'Too many attempts',
    message: 'There have been too many failed attempts. Please wait a while before trying again.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    title: 'Sign-in unavailable',
    message: 'Signing in is unavailable right now. Please try again shortly.',
  },
  VERIFICATION_BUSY: {
    status: 503,
    title: 'Too busy',
    message: 'Too many sign-ins are being checked right now. Please try again in a moment.',
  },
  ALLOWLIST_UNAVAILABLE: {
    status: 503,
    title: 'Sign-in unavailable',
    message: 'Signing in is unavailable right now. Please try again shortly.',
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
