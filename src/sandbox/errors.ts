// The API's error envelope and the one error type routes throw to produce it (docs/intercom-api.md#errors).

export interface ErrorBody {
  type: 'error.list';
  request_id: string;
  errors: Array<{ code: string; message: string; field?: string }>;
}

/** An Intercom API error: thrown by mutations/search, rendered by the server's error handler. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error body of one request; `requestId` is the one its `X-Request-Id` header carries. */
export function errorBody(requestId: string, code: string, message: string): ErrorBody {
  return { type: 'error.list', request_id: requestId, errors: [{ code, message }] };
}

export const contactNotFound = (): ApiError => new ApiError(404, 'not_found', 'User Not Found');
export const companyNotFound = (): ApiError => new ApiError(404, 'company_not_found', 'Company Not Found');
export const invalidCursor = (): ApiError =>
  new ApiError(
    400,
    'client_error',
    'Invalid starting_after param. Please try again using a starting_after value from a paginated response',
  );
