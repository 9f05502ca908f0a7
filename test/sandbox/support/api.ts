// A small HTTP client for sandbox tests that validates every JSON response it receives against
// the spec (or the documented live shape) and records which routes were exercised.
import type { Sandbox } from '../../../src/sandbox/server.js';
import { routeTemplate, SpecValidator, type Mode } from './spec-schemas.js';

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

const validator = new SpecValidator();
/** `METHOD template mode` of every validated response in this test process. */
export const exercised = new Set<string>();

export interface ApiOptions {
  readonly token?: string | null;
  /** Skip the JSON parse and validation (for deliberately broken responses). */
  readonly raw?: boolean;
  readonly signal?: AbortSignal;
}

export function apiClient(sandbox: Sandbox) {
  const mode: Mode = sandbox.options.specLiteral ? 'spec' : 'live';
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: ApiOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = options.token === undefined ? sandbox.options.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(sandbox.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
    const text = await response.text();
    if (options.raw || !(response.headers.get('content-type') ?? '').includes('json')) {
      return { status: response.status, headers: response.headers, body: undefined as T, text };
    }
    const parsed = JSON.parse(text) as T;
    if (!path.startsWith('/_sandbox')) {
      const schema = validator.schemaFor(method, path, response.status, mode);
      if (!schema) throw new Error(`no schema known for ${method} ${path} (${response.status})`);
      const problem = validator.check(schema, parsed);
      if (problem)
        throw new Error(
          `${method} ${path} → ${response.status} does not match ${schema} (${mode}):\n${problem}\n${text.slice(0, 500)}`,
        );
      exercised.add(`${method.toUpperCase()} ${routeTemplate(path)} ${mode}`);
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Control-endpoint helper (no auth). */
export async function control<T = any>(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
    text,
  };
}
