// Calls the sandbox's control endpoints (no auth, no faults) from tests.

/** @example const control = sandboxControl(sandbox.url); await control('PATCH', `/contacts/${id}`, { name }); */
export function sandboxControl(url: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/_sandbox${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /_sandbox${path} → ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}
