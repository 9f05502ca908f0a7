// IntercomApiError: the one error every call to the Intercom API fails with, built from any response.
import { ServiceError } from '../errors.js';

/** What the caller can branch on; `code` is Intercom's `errors[0].code` or one of ours for transport failures. */
export interface IntercomApiErrorFields {
  /** HTTP status, or 0 when no response arrived (network failure, timeout). */
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId?: string | undefined;
  /** True when the same request may succeed later: 5xx, 429, network failures, timeouts. */
  readonly retryable: boolean;
  /** Id of the existing contact named by a create conflict (docs/intercom-api.md#create-conflicts). */
  readonly conflictId?: string | undefined;
  /** True when that existing contact is archived and must be unarchived before an update. */
  readonly conflictArchived?: boolean | undefined;
  /**
   * True when an error response's body could not be read (HTML, empty, cut off): its `code` is then
   * only the status's generic one, and Intercom's real code (say `scroll_exists`) is unknown.
   */
  readonly bodyUnreadable?: boolean | undefined;
}

/**
 * A failed Intercom call; permanent (isPermanent) exactly when it is not `retryable`. Branch on `code` (`conflict`, `not_found`, `scroll_exists`, `unauthorized`,
 * `rate_limit_exceeded`, `bad_gateway`, `network_error`, `timeout`, `invalid_response`, …).
 * @example
 * try { await client.contacts.create(input) } catch (error) {
 *   if (error instanceof IntercomApiError && error.conflictId) await client.contacts.update(error.conflictId, input);
 * }
 */
export class IntercomApiError extends ServiceError implements IntercomApiErrorFields {
  override readonly name = 'IntercomApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly conflictId: string | undefined;
  readonly conflictArchived: boolean | undefined;
  readonly bodyUnreadable: boolean | undefined;

  constructor(fields: IntercomApiErrorFields, options?: { readonly cause?: unknown }) {
    super(fields.message, { permanent: !fields.retryable, ...options });
    this.status = fields.status;
    this.code = fields.code;
    this.requestId = fields.requestId;
    this.retryable = fields.retryable;
    this.conflictId = fields.conflictId;
    this.conflictArchived = fields.conflictArchived;
    this.bodyUnreadable = fields.bodyUnreadable;
  }
}

// The live API says 409 and the spec 400 for the same conflict; both carry this sentence
// (docs/intercom-api.md#create-conflicts).
const CONFLICT = /(archived )?contact matching those details already exists with id=([A-Za-z0-9_-]+)/i;

// Codes for bodies that carry none: gateways answer with HTML or nothing at all
// (docs/intercom-api.md#error-envelope).
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'media_type_not_acceptable',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

export interface ErrorContext {
  readonly method: string;
  readonly route: string;
  readonly baseUrl: string;
}

interface ParsedErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly requestId?: string;
}

function parseErrorBody(text: string): ParsedErrorBody | undefined {
  try {
    const body = JSON.parse(text) as {
      request_id?: unknown;
      errors?: { code?: unknown; message?: unknown }[];
    } | null;
    if (body === null || typeof body !== 'object') return undefined;
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    return {
      ...(typeof first?.code === 'string' && { code: first.code }),
      ...(typeof first?.message === 'string' && { message: first.message }),
      ...(typeof body.request_id === 'string' && { requestId: body.request_id }),
    };
  } catch {
    return undefined;
  }
}

/** A short, tag-free excerpt of a body that is not JSON, for the message. */
export function describeBody(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain === '') return 'an empty body';
  return `a body that is not JSON ("${plain.length > 120 ? plain.slice(0, 120) + '…' : plain}")`;
}

/**
 * Builds the error for a response with status ≥ 400 from its raw body text.
 * @example errorFromResponse(409, text, 'req-1', { method: 'POST', route: '/contacts', baseUrl }).conflictId
 */
export function errorFromResponse(
  status: number,
  text: string,
  headerRequestId: string | undefined,
  context: ErrorContext,
): IntercomApiError {
  const parsed = parseErrorBody(text);
  const code = parsed?.code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : `http_${status}`);
  const requestId = parsed?.requestId ?? headerRequestId;
  const retryable = status >= 500 || status === 429;
  if (status === 401) {
    return new IntercomApiError({
      status,
      code,
      requestId,
      retryable,
      message: 'Intercom rejected the access token (401 unauthorized): check INTERCOM_TOKEN.',
    });
  }
  const detail = parsed?.message ?? (parsed ? 'no error message in the body' : describeBody(text));
  const conflict =
    (status === 409 || status === 400) && parsed?.message ? CONFLICT.exec(parsed.message) : null;
  return new IntercomApiError({
    status,
    code,
    requestId,
    retryable,
    message: `Intercom answered ${status} ${code} to ${context.method} ${context.route}: ${detail}`,
    ...(conflict && { conflictId: conflict[2], conflictArchived: conflict[1] !== undefined }),
    ...(!parsed && { bodyUnreadable: true }),
  });
}

/** A 2xx whose body is not the JSON we asked for (truncated, HTML from a proxy): worth one more try. */
export function invalidResponseError(status: number, text: string, context: ErrorContext): IntercomApiError {
  return new IntercomApiError({
    status,
    code: 'invalid_response',
    retryable: true,
    message: `Intercom answered ${status} to ${context.method} ${context.route} with ${describeBody(text)}`,
  });
}

/** No response at all: DNS, refused or reset connections, or our own per-request timeout. */
export function transportError(
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
  context: ErrorContext,
): IntercomApiError {
  if (timedOut) {
    return new IntercomApiError(
      {
        status: 0,
        code: 'timeout',
        retryable: true,
        message: `Intercom at ${context.baseUrl} did not answer ${context.method} ${context.route} within ${timeoutMs} ms`,
      },
      { cause },
    );
  }
  return new IntercomApiError(
    {
      status: 0,
      code: 'network_error',
      retryable: true,
      message: `could not reach Intercom at ${context.baseUrl}: ${networkReason(cause)}`,
    },
    { cause },
  );
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  EPIPE: 'connection closed unexpectedly',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
};

/** One phrase for a socket-level failure, from its code (undici nests the system error under `cause`). */
export function networkReason(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && REASONS[code]) return REASONS[code];
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether `error` is Intercom answering 404: the record is not there (deleted, merged, archived).
 * @example await client.contacts.untag(id, tagId).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof IntercomApiError && error.status === 404;
}
