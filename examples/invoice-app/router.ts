// Method and path routing with `:name` segments, plus parsing of the request target into a URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
}

export type Handler = (ctx: RequestContext) => void | Promise<void>;

export type RouteMatch =
  | { readonly kind: 'found'; readonly handler: Handler; readonly params: Record<string, string> }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' };

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
}

const URL_BASE = 'http://invoice-app.internal';

/** Parses the request target without trusting the Host header. */
export function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  try {
    // Concatenating keeps a target such as `//evil.example/x` a path instead of a host.
    return target.startsWith('/') ? new URL(URL_BASE + target) : new URL(target, URL_BASE);
  } catch {
    throw new HttpError(400, 'malformed request target');
  }
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const segment = actual[index] ?? '';
    if (!expected.startsWith(':')) {
      if (segment !== expected) return undefined;
      continue;
    }
    const value = segment === '' ? undefined : decodeSegment(segment);
    if (value === undefined) return undefined;
    params[expected.slice(1)] = value;
  }
  return params;
}

export class Router {
  readonly #routes: Route[] = [];

  get(pattern: string, handler: Handler): this {
    return this.#add('GET', pattern, handler);
  }

  post(pattern: string, handler: Handler): this {
    return this.#add('POST', pattern, handler);
  }

  match(method: string, pathname: string): RouteMatch {
    // Node strips the body of HEAD responses itself, so GET handlers serve HEAD too.
    const wanted = method === 'HEAD' ? 'GET' : method;
    const segments = pathname.split('/');
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === wanted) return { kind: 'found', handler: route.handler, params };
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
    }
    return allowed.size > 0 ? { kind: 'wrong-method', allowed: [...allowed] } : { kind: 'none' };
  }

  #add(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method, segments: pattern.split('/'), handler });
    return this;
  }
}
