// The layer rules of eslint.config.js (README "Development"): an import across a layer, SQL outside
// src/db, process.env outside src/config each fail lint, and what the layers may use does not.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  // The layer rules need no type information; without it, files that do not exist can be linted.
  eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
      },
    },
  });
});

/** The layer-rule messages lint gives `code` as if it were the file `path` (relative to the repo). */
async function complaints(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: `${root}${path}` });
  return result!.messages
    .filter((m) => /no-restricted-(imports|syntax|properties)/.test(m.ruleId ?? '') || m.fatal)
    .map((m) => m.message);
}

describe('an import across a layer fails lint', () => {
  const forbidden: [string, string, RegExp][] = [
    [
      'src/mappers/probe.ts',
      "import type { JsonValue } from '../db/schema.js';",
      /src\/mappers may not import/,
    ],
    ['src/mappers/probe.ts', "import { mapPage } from '../sync/map-page.js';", /src\/mappers may not import/],
    [
      'src/mappers/probe.ts',
      "import type { IntercomClient } from '../intercom/client.js';",
      /API types only/,
    ],
    ['src/mappers/probe.ts', "import pg from 'pg';", /no I\/O|Postgres connections live in src\/db/],
    [
      'src/intercom/probe.ts',
      "import { upsertTags } from '../db/upsert-tags-segments.js';",
      /src\/intercom may not import/,
    ],
    ['src/intercom/probe.ts', "import { mapTag } from '../mappers/tag.js';", /src\/intercom may not import/],
    ['src/db/probe.ts', "import { saveContacts } from '../sync/contact-pages.js';", /src\/db may not import/],
    ['src/db/probe.ts', "import { IntercomClient } from '../intercom/client.js';", /src\/db may not import/],
    ['src/sync/probe.ts', "import { createQueues } from '../workers/queues.js';", /src\/sync may not import/],
    [
      'src/sync/push/probe.ts',
      "import { openRuntime } from '../../app/runtime.js';",
      /src\/sync may not import/,
    ],
    ['src/sync/probe.ts', "import { buildHttpServer } from '../http/server.js';", /src\/sync may not import/],
    [
      'src/workers/probe.ts',
      "import { buildHttpServer } from '../http/server.js';",
      /src\/workers may not import/,
    ],
    [
      'src/workers/probe.ts',
      "import { startDaemon } from '../app/daemon.js';",
      /src\/workers may not import/,
    ],
    [
      'src/workers/probe.ts',
      "import { UserError } from '../cli/user-error.js';",
      /src\/workers may not import/,
    ],
    [
      'src/http/probe.ts',
      "import { enqueueWebhook } from '../workers/processors.js';",
      /src\/http may not import/,
    ],
    [
      'src/http/probe.ts',
      "import { applyWebhookEvent } from '../sync/webhook-apply.js';",
      /src\/http may not import/,
    ],
    ['src/app/probe.ts', "import { commands } from '../cli/commands/index.js';", /src\/app may not import/],
    [
      'src/config/probe.ts',
      "import { createDatabase } from '../db/database.js';",
      /src\/config may not import/,
    ],
    [
      'src/observability/probe.ts',
      "import { SETTING_DEFAULTS } from '../config/config.js';",
      /observability is a leaf/,
    ],
    ['src/json.ts', "import { ConfigError } from './config/config.js';", /a leaf/],
    [
      'src/sandbox/probe.ts',
      "import { SETTING_DEFAULTS } from '../config/config.js';",
      /the sandbox imports nothing/,
    ],
    [
      'src/sandbox/routes/probe.ts',
      "import { upsertTags } from '../../db/upsert-tags-segments.js';",
      /the sandbox imports nothing/,
    ],
    [
      'src/cli/commands/status.ts',
      "import { startSandbox } from '../../sandbox/server.js';",
      /separate product/,
    ],
    [
      'src/sync/probe.ts',
      "import { globalSetup } from '../../test/support/global-setup.js';",
      /never imports tests/,
    ],
    [
      'src/cli/commands/probe.ts',
      "import { createDatabase } from '../../db/database.js';",
      /through src\/app/,
    ],
    ['src/cli/commands/probe.ts', "import { Queue } from 'bullmq';", /from src\/app \(withQueues\)/],
    [
      'src/cli/commands/probe.ts',
      "import { createLogger } from '../../observability/logger.js';",
      /processLogger/,
    ],
  ];
  it.each(forbidden)('%s: %s', async (path, code, message) => {
    expect(await complaints(path, code)).toEqual([expect.stringMatching(message)]);
  });
});

describe('SQL, the environment and the config stay where they belong', () => {
  it("kysely's sql is refused outside src/db, its types are not", async () => {
    expect(await complaints('src/sync/probe.ts', "import { sql } from 'kysely';")).toEqual([
      expect.stringMatching(/SQL lives in src\/db/),
    ]);
    expect(await complaints('src/sync/probe.ts', "import type { Kysely } from 'kysely';")).toEqual([]);
    expect(await complaints('src/db/probe.ts', "import { sql } from 'kysely';")).toEqual([]);
  });

  it('building a query on a kysely instance is refused outside src/db', async () => {
    const query = "export const q = (db: any) => db.selectFrom('intercom.tags').selectAll().execute();";
    expect(await complaints('src/workers/probe.ts', query)).toEqual([
      expect.stringMatching(/built in src\/db only/),
    ]);
    expect(await complaints('src/cli/commands/probe.ts', query)).toEqual([
      expect.stringMatching(/built in src\/db only/),
    ]);
    expect(await complaints('src/db/probe.ts', query)).toEqual([]);
  });

  it('process.env is read only by src/config and the CLI entry; commands take the CommandContext', async () => {
    const read = 'export const level = process.env.LOG_LEVEL;';
    expect(await complaints('src/cli/commands/probe.ts', read)).toEqual([
      expect.stringMatching(/src\/config/),
    ]);
    expect(await complaints('src/sync/probe.ts', read)).toEqual([expect.stringMatching(/src\/config/)]);
    expect(await complaints('src/cli/main.ts', read)).toEqual([]);
    const load = "import { loadConfig } from '../../config/config.js';\nexport const c = loadConfig({});";
    expect(await complaints('src/cli/commands/probe.ts', load)).toEqual([
      expect.stringMatching(/CommandContext/),
    ]);
  });
});

describe('what the layers may use passes', () => {
  const allowed: [string, string][] = [
    [
      'src/mappers/probe.ts',
      "import type { Contact } from '../intercom/types.js';\nimport type { JsonValue } from '../json.js';",
    ],
    ['src/mappers/probe.ts', "import { ServiceError } from '../errors.js';"],
    ['src/db/probe.ts', "import type { ContactRow } from '../mappers/rows.js';"],
    ['src/intercom/probe.ts', "import { SETTING_DEFAULTS } from '../config/config.js';"],
    ['src/sync/push/probe.ts', "import { writeFields } from '../../db/row-fields.js';"],
    ['src/workers/probe.ts', "import { runFullSync } from '../sync/full-sync.js';"],
    ['src/http/probe.ts', "import { storeWebhookEvent } from '../db/webhook-events.js';"],
    [
      'src/app/probe.ts',
      "import { buildHttpServer } from '../http/server.js';\nimport { startWorkers } from '../workers/worker-pool.js';",
    ],
    [
      'src/cli/commands/probe.ts',
      "import { withRuntime } from '../../app/runtime.js';\nimport type { Database } from '../../db/database.js';",
    ],
    ['src/cli/commands/sandbox.ts', "import { startSandbox } from '../../sandbox/server.js';"],
    ['src/sandbox/routes/probe.ts', "import { SandboxError } from '../errors.js';"],
  ];
  it.each(allowed)('%s: %s', async (path, code) => {
    expect(await complaints(path, code)).toEqual([]);
  });
});
