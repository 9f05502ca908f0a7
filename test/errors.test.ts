// One error taxonomy: every error the service raises on purpose is a ServiceError, and whether
// retrying can help (isPermanent) is what the error says, built the way the code builds it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RedisUnavailableError } from '../src/app/redis.js';
import { UserError } from '../src/cli/user-error.js';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { DatabaseUnavailableError, describeDatabaseError } from '../src/db/errors.js';
import { isPermanent, ServiceError } from '../src/errors.js';
import {
  errorFromResponse,
  IntercomApiError,
  invalidResponseError,
  transportError,
} from '../src/intercom/errors.js';
import { InvalidPayloadError, parsePayload } from '../src/mappers/invalid-payload.js';
import { contactCreateBody, PushRejectedError } from '../src/mappers/push-input.js';
import { SyncAlreadyRunningError } from '../src/sync/full-sync.js';
import { DependencyNotPushedError } from '../src/sync/push/context.js';
import { PushRetryError } from '../src/sync/push/push-record.js';
import { UnappliableWebhookError } from '../src/sync/webhook-apply.js';
import { retryFailed, UnknownFailedIdError } from '../src/workers/failed-jobs.js';

const context = { method: 'POST', route: '/contacts', baseUrl: 'https://api.intercom.io' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('permanent: retrying cannot help', () => {
  const cases: [string, () => unknown, new (...args: never[]) => Error][] = [
    [
      'a 4xx from Intercom',
      () => errorFromResponse(422, '{"errors":[{"code":"parameter_invalid"}]}', undefined, context),
      IntercomApiError,
    ],
    ['a rejected token', () => errorFromResponse(401, '', undefined, context), IntercomApiError],
    [
      'a payload that does not map',
      () => thrown(() => parsePayload(z.object({ id: z.string() }), { id: 7 }, 'contact')),
      InvalidPayloadError,
    ],
    [
      'a local row Intercom would refuse',
      () => thrown(() => contactCreateBody({ role: 'user', email: null, external_id: null })),
      PushRejectedError,
    ],
    [
      'a notification that cannot be applied',
      () => new UnappliableWebhookError('no id'),
      UnappliableWebhookError,
    ],
    ['a wrong setting', () => thrown(() => loadConfig({ PORT: 'eighty' })), ConfigError],
    ['a missing setting', () => thrown(() => loadConfig({}, ['DATABASE_URL'])), ConfigError],
    ['a command asked the impossible', () => new UserError('--take must be local or remote.'), UserError],
    [
      'a database that does not exist',
      () => describeDatabaseError({ code: '3D000' }, 'postgres://u:secret@h/db'),
      DatabaseUnavailableError,
    ],
  ];
  it.each(cases)('%s', (_what, make, kind) => {
    const error = make();
    expect(error).toBeInstanceOf(kind);
    expect(error).toBeInstanceOf(ServiceError);
    expect(isPermanent(error)).toBe(true);
  });

  it('an id `failed list` never gives out', async () => {
    const error = await retryFailed([], 'nonsense').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownFailedIdError);
    expect(isPermanent(error)).toBe(true);
  });
});

describe('not permanent: the same work may succeed later', () => {
  const cases: [string, () => unknown][] = [
    ['a 5xx from Intercom', () => errorFromResponse(503, '<html>busy</html>', undefined, context)],
    ['a 429 still limited after the wait', () => errorFromResponse(429, '{}', undefined, context)],
    ['a cut-off 2xx body', () => invalidResponseError(200, '{"type":', context)],
    [
      'no answer at all',
      () => transportError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), false, 1000, context),
    ],
    [
      'a change waiting for its contact to be pushed',
      () => new DependencyNotPushedError('contact row 4 is not in Intercom yet'),
    ],
    ['a push put back to pending', () => new PushRetryError('contact 4: 503', 2_000)],
    [
      'another full sync running',
      () => new SyncAlreadyRunningError('a full sync is already running for this workspace'),
    ],
    [
      'Postgres refusing connections',
      () => describeDatabaseError({ code: 'ECONNREFUSED' }, 'postgres://h/db'),
    ],
    ['Redis unreachable', () => new RedisUnavailableError('cannot reach Redis at redis://h:1: refused.')],
  ];
  it.each(cases)('%s', (_what, make) => {
    const error = make();
    expect(error).toBeInstanceOf(ServiceError);
    expect(isPermanent(error)).toBe(false);
  });

  it('anything that is not a ServiceError (a driver error, a bug) counts as one that may pass', () => {
    expect(isPermanent(new TypeError('x is undefined'))).toBe(false);
    expect(isPermanent(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(false);
    expect(isPermanent('a string')).toBe(false);
  });
});

it('the operator reads a sentence naming what to fix, never the password', () => {
  const error = describeDatabaseError(
    { code: '28P01' },
    'postgres://sync:hunter2@db.internal:5432/app',
  ) as Error;
  expect(error.message).toBe(
    'cannot use Postgres at postgres://sync:***@db.internal:5432/app: the password was rejected.',
  );
  expect((thrown(() => loadConfig({}, ['INTERCOM_TOKEN'])) as Error).message).toMatch(
    /^INTERCOM_TOKEN is not set: /,
  );
});
