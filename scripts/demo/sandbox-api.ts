// The demo's calls to the sandbox: its REST API as a client sees it (with the token), and its
// control endpoints, where an edit acts "as an agent in the Intercom UI" and sends its webhook.
import { DemoError } from './until.js';

export interface SandboxApi {
  /** GET/POST on the REST API, as the service calls it. */
  api<T>(path: string): Promise<T>;
  /** A control endpoint under /_sandbox (no auth, no rate limit). */
  control<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Nothing queued, in flight or waiting for a retry in the sandbox's webhook dispatcher. */
  deliveriesSettled(): Promise<boolean>;
}

/** @example const sandbox = sandboxApi('http://127.0.0.1:4010', 'sandbox-token'); await sandbox.api('/admins'); */
export function sandboxApi(url: string, token: string): SandboxApi {
  async function call<T>(method: string, path: string, body: unknown, auth: boolean): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(auth && { authorization: `Bearer ${token}`, 'intercom-version': '2.2' }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok)
      throw new DemoError(`the sandbox answered ${method} ${path} with ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
  return {
    api: (path) => call('GET', path, undefined, true),
    control: (method, path, body) => call(method, `/_sandbox${path}`, body, false),
    async deliveriesSettled() {
      const s = await call<{ pending: number; inFlight: number; retriesScheduled: number }>(
        'GET',
        '/_sandbox/webhooks',
        undefined,
        false,
      );
      return s.pending + s.inFlight + s.retriesScheduled === 0;
    },
  };
}
