// Lint: typescript-eslint with type information, so floating promises are caught; and the layers of
// src (README "Development"), so an import across a layer fails `npx eslint .` and with it `npm test`.
import tseslint from 'typescript-eslint';

/** A relative import of src/<folder>/…, from any depth of the importing file. */
const into = (folders, why) => ({ regex: `^(\\.\\./)+(${folders.join('|')})/`, message: why });

/** What no module of src imports, whatever its layer (the `sandbox` command alone starts the sandbox). */
const everywhere = (folder) => [
  into(['test', 'bench'], 'src never imports tests or benches.'),
  ...(folder === 'cli/commands/sandbox.ts'
    ? []
    : [
        into(
          ['sandbox'],
          'the sandbox is a separate product: talk to it over HTTP (only `intercom-sync sandbox` starts it).',
        ),
      ]),
];
const sqlOnlyInDb = {
  name: 'kysely',
  allowTypeImports: true,
  message: 'SQL lives in src/db: add a function there (types may be imported anywhere).',
};
const postgresOnlyInDb = { name: 'pg', message: 'Postgres connections live in src/db.' };

/** The folders of src that may not be imported from `folder`, and why. */
const layers = {
  errors: {
    files: ['src/errors.ts', 'src/json.ts', 'src/group-commit.ts'],
    patterns: [{ regex: '^\\.', message: 'a leaf: it imports nothing of src.' }],
  },
  observability: {
    forbid: ['app', 'cli', 'config', 'db', 'http', 'intercom', 'mappers', 'sync', 'workers'],
    why: 'observability is a leaf: it imports nothing of src.',
  },
  config: {
    forbid: ['app', 'cli', 'db', 'http', 'intercom', 'mappers', 'observability', 'sync', 'workers'],
    why: 'config is read by every layer and imports none.',
  },
  mappers: {
    forbid: ['app', 'cli', 'config', 'db', 'http', 'observability', 'sync', 'workers'],
    why: 'mappers are pure functions: no I/O, no database, no flows.',
    patterns: [
      {
        regex: '^(\\.\\./)+intercom/(?!types\\.js$|openapi\\.js$)',
        message: 'mappers may use the API types only, not the client.',
      },
    ],
    // kysely and pg are refused to every layer but src/db already.
    paths: [
      'ioredis',
      'bullmq',
      'undici',
      'fastify',
      'pino',
      'p-retry',
      'node:fs',
      'node:net',
      'node:http',
    ].map((name) => ({ name, message: 'mappers are pure: no I/O.' })),
  },
  intercom: {
    forbid: ['app', 'cli', 'db', 'http', 'mappers', 'sync', 'workers'],
    why: 'the API client knows nothing of the mirror, its flows or their hosts.',
  },
  db: {
    forbid: ['app', 'cli', 'http', 'intercom', 'sync', 'workers'],
    why: 'src/db holds queries only: it knows nothing of HTTP, Intercom or the flows.',
  },
  sync: {
    forbid: ['app', 'cli', 'http', 'workers'],
    why: 'the flows do not know who runs them (workers, CLI, app).',
  },
  workers: {
    forbid: ['app', 'cli', 'http'],
    why: 'workers are shells over src/sync; src/app wires them to the HTTP server.',
  },
  http: {
    forbid: ['app', 'cli', 'intercom', 'sync', 'workers'],
    why: 'the HTTP server is handed what it calls (src/app wires it).',
  },
  app: { forbid: ['cli'], why: 'src/app is what the CLI calls, not the other way round.' },
  cli: {
    ignores: ['src/cli/commands/sandbox.ts'],
    patterns: [
      {
        regex: '^(\\.\\./)+db/database\\.js$',
        importNames: ['createDatabase'],
        message: 'commands open Postgres through src/app (withDatabase, withRuntime).',
      },
      {
        regex: '^(\\.\\./)+intercom/(client|rate-budget)\\.js$',
        allowTypeImports: true,
        message: 'commands get the Intercom client from src/app (withRuntime).',
      },
      {
        regex: '^(\\.\\./)+observability/logger\\.js$',
        importNames: ['createLogger'],
        message: 'commands get their logger from src/app/logging.ts (processLogger).',
      },
    ],
    paths: [
      { name: 'bullmq', allowTypeImports: true, message: 'commands get queues from src/app (withQueues).' },
      { name: 'ioredis', allowTypeImports: true, message: 'commands connect to Redis through src/app.' },
    ],
  },
};

layers['cli/commands/sandbox.ts'] = { ...layers.cli, files: ['src/cli/commands/sandbox.ts'], ignores: [] };

const layerRules = Object.entries(layers).map(([folder, layer]) => ({
  files: layer.files ?? [`src/${folder}/**/*.ts`],
  ignores: layer.ignores ?? [],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [...(folder === 'db' ? [] : [sqlOnlyInDb, postgresOnlyInDb]), ...(layer.paths ?? [])],
        patterns: [
          ...everywhere(folder),
          ...(layer.forbid?.length
            ? [into(layer.forbid, `src/${folder} may not import src/{${layer.forbid}}: ${layer.why}`)]
            : []),
          ...(layer.patterns ?? []),
        ],
      },
    ],
  },
}));

/** Query building on a Kysely instance, outside src/db. */
const QUERY_BUILDERS = [
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'replaceInto',
  'selectNoFrom',
  'transaction',
  'executeQuery',
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.services/', 'src/intercom/openapi.ts', 'bin/', 'eslint.config.js'],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...layerRules,
  {
    // The sandbox is its own product: nothing outside src/sandbox, at any depth.
    files: ['src/sandbox/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', message: 'the sandbox imports nothing of the service.' }] },
      ],
    },
  },
  {
    files: ['src/sandbox/*/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./\\.\\./', message: 'the sandbox imports nothing of the service.' }] },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.property.name=/^(${QUERY_BUILDERS.join('|')})$/]`,
          message: 'Queries are built in src/db only: add a function there.',
        },
      ],
    },
  },
  {
    // The environment is read once: by src/config, from what the CLI entry (or a test or bench) hands it.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/cli/main.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'settings come from src/config (loaded once per process).',
        },
      ],
    },
  },
  {
    // Commands take their settings from the CommandContext: the config is parsed once per process.
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/command-context.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.name=/^(loadConfig|parseConfig)$/]`,
          message: 'use the CommandContext: config is loaded once per process.',
        },
        {
          selector: `CallExpression[callee.property.name=/^(${QUERY_BUILDERS.join('|')})$/]`,
          message: 'Queries are built in src/db only: add a function there.',
        },
      ],
    },
  },
  // Plain Node scripts (the citation tools) are outside the TypeScript project: lint them without types.
  { files: ['scripts/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
