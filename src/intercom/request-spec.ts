// What one API call is: method, route template, concrete path, query, body, lane.
import type { Lane } from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Per-call settings every client method accepts. */
export interface CallOptions {
  /** Budget lane; by default reads are `inbound` and writes `outbound`. */
  readonly lane?: Lane;
  readonly signal?: AbortSignal;
}

/** Only the per-call settings, so list options such as `perPage` do not leak into the request. */
export function callSettings(options: CallOptions): CallOptions {
  return { lane: options.lane, signal: options.signal };
}

export interface RequestSpec {
  readonly method: HttpMethod;
  /** The route template, for metrics and messages. */
  readonly route: string;
  /** The concrete path, with ids encoded (see `fillRoute`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** Budget lane; default `inbound` for reads (GET, search) and `outbound` for writes. */
  readonly lane?: Lane;
  readonly signal?: AbortSignal;
  /** Overrides the client's retries for this call (0: a failure is final, the caller decides). */
  readonly retries?: number;
}

/**
 * Fills `{name}` placeholders of a route with URL-encoded values.
 * @example fillRoute('/contacts/{id}/tags/{tagId}', { id: 'a b', tagId: '7' }) // → '/contacts/a%20b/tags/7'
 */
export function fillRoute(route: string, params: Readonly<Record<string, string>>): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * The spec of a plain call: the route filled with `params`, the body when there is one, the per-call settings.
 * @example http.request<Contact>(callSpec('PUT', '/contacts/{id}', { id }, input, options))
 */
export function callSpec(
  method: HttpMethod,
  route: string,
  params: Readonly<Record<string, string>>,
  body: unknown,
  options: CallOptions,
): RequestSpec {
  return {
    method,
    route,
    path: fillRoute(route, params),
    ...(body !== undefined && { body }),
    ...callSettings(options),
  };
}
