// Owns the per-request scope: everything the stages of the pipeline learn about one
// request (id, client, target, configuration in force), typed and in one place.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RuntimeConfig } from '../config/runtime.js';
import { parseRequestTarget, type RequestTarget } from '../net/request-target.js';
import { type ClientAddress, resolveClientAddress } from './client-ip.js';
import type { GatewayErrorCode } from './errors.js';

export interface RequestScope {
  readonly id: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The configuration in force for this request (a reload applies to the next one). */
  readonly runtime: RuntimeConfig;
  readonly client: ClientAddress;
  readonly proto: 'http' | 'https';
  /** The public host the client addressed (Host, or X-Forwarded-Host from a trusted proxy). */
  readonly host: string;
  readonly target: RequestTarget;
  /** True for a WebSocket (or other protocol) upgrade rather than a request. */
  readonly upgrade?: boolean;
  /**
   * How upstream cookies travel for this request (the cookie vault), set by the session stage;
   * absent when no `login` is configured and the gateway is a plain proxy.
   */
  vault?: VaultBinding;
  /** The gateway session behind the request, once the session stage found one. */
  session?: { readonly id: string; readonly user: string; readonly role: string };
  /** Milliseconds the upstream took, once its response ended. */
  upstreamMs?: number;
  /** The status the upstream answered an upgrade with (101, or its refusal), once it did. */
  upstreamStatus?: number;
  /** The gateway error the request ended with, if any. */
  errorCode?: GatewayErrorCode;
  /** Why, for the log only. */
  errorReason?: string;
}

export interface VaultBinding {
  /** The Cookie header sent upstream, replacing the client's ("" sends none). */
  readonly cookieHeader: string;
  /** Takes the upstream's Set-Cookie lines; returns the lines the client may see (pass-through ones, the gateway's own). */
  capture(setCookies: readonly string[]): string[];
  /**
   * The store's write of what capture() took, while one is under way (it never rejects). The
   * answer's head waits for it: a cookie the app set is in the vault before the answer that
   * set it is released, so the browser's next request gets it (S14). It resolves with the
   * gateway's own Set-Cookie lines that the write calls for (its session cookie naming the new
   * vault generation), to be added to the answer.
   */
  stored?(): Promise<readonly string[]> | undefined;
}

export interface ScopeResult {
  scope: RequestScope;
  /** A reason to refuse the request before any stage runs. */
  problem?: { code: GatewayErrorCode; reason: string };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

/** The last value of a possibly comma-joined header, as the nearest hop wrote it. */
function lastValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  return text?.split(',').at(-1)?.trim();
}

/** Builds the scope of a request; a malformed target or forwarding header is reported as a problem, not thrown. */
export function createScope(req: IncomingMessage, runtime: RuntimeConfig, startedAt: number): ScopeResult {
  const resolved = resolveClientAddress(
    req.socket.remoteAddress,
    req.headers['x-forwarded-for'],
    runtime.trustedProxies,
  );
  const peer = req.socket.remoteAddress ?? 'unknown';
  const client: ClientAddress = resolved.ok
    ? resolved.client
    : { address: peer, key: undefined, peer, trustedPeer: false, forwardedFor: [peer] };
  const trusted = client.trustedPeer;

  const offeredId = req.headers['x-request-id'];
  const id = trusted && typeof offeredId === 'string' && REQUEST_ID.test(offeredId) ? offeredId : randomUUID();

  const ownProto = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const forwardedProto = trusted ? lastValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const forwardedHost = trusted ? lastValue(req.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost || req.headers.host || runtime.upstreamHost;

  const parsed = parseRequestTarget(req.url ?? '');
  const target = parsed.ok ? parsed.target : { path: '/', search: '', routingPath: '/' };
  let problem: ScopeResult['problem'];
  if (!resolved.ok) problem = { code: 'BAD_FORWARDED_HEADER', reason: resolved.reason };
  else if (forwardedProto !== undefined && forwardedProto !== 'http' && forwardedProto !== 'https')
    problem = { code: 'BAD_FORWARDED_HEADER', reason: 'malformed X-Forwarded-Proto from a trusted proxy' };
  else if (!HOST.test(host)) problem = { code: 'BAD_REQUEST_TARGET', reason: 'malformed Host' };
  else if (!parsed.ok) problem = { code: 'BAD_REQUEST_TARGET', reason: parsed.reason };

  const proto = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : ownProto;
  return {
    scope: {
      id,
      startedAt,
      runtime,
      client,
      proto,
      host,
      target,
      upgrade: (req as IncomingMessage & { upgrade?: boolean }).upgrade === true,
    },
    problem,
  };
}
