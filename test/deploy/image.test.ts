// The Dockerfile's shape (there is no Docker engine to build it here): a build stage and a runtime
// stage that runs dist/ as a non-root user with a health check, and a build context that lets in
// only what the Dockerfile copies (never a local .env, .git, .services or node_modules).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
// Docker's own matching rules. The package is CommonJS whose types claim a default export it does
// not have (module.exports is the function), so it is required as it really is.
const dockerignore = createRequire(import.meta.url)(
  '@balena/dockerignore',
) as typeof import('@balena/dockerignore').default;

interface Stage {
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

let stages: Stage[];
let runtime: Stage;

/** The instructions of each FROM … stage, in order. */
function splitStages(text: string): Stage[] {
  const found: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      found.push({ name: args[1]?.toUpperCase() === 'AS' ? args[2] : undefined, instructions: [] });
    }
    found.at(-1)?.instructions.push(instruction);
  }
  return found;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const content = (i: Instruction) => i.getArgumentsContent() ?? '';
/** The stage a `COPY --from=…` copies from (undefined: from the build context). */
const copiedFrom = (i: Instruction) => (i instanceof Copy ? i.getFromFlag()?.getValue() : undefined);

beforeAll(async () => {
  stages = splitStages(await readFile(new URL('Dockerfile', root), 'utf8'));
  runtime = stages.at(-1)!;
});

describe('the Dockerfile', () => {
  it('builds in one stage (npm ci, npm run build) and runs from another that has production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => all(s, 'RUN').some((r) => /\bnpm run build\b/.test(content(r))));
    expect(build?.name).toBeDefined();
    expect(build).not.toBe(runtime);
    expect(all(build!, 'RUN').map(content).join('\n')).toMatch(/\bnpm ci\b/);

    const runs = all(runtime, 'RUN').map(content).join('\n');
    expect(runs).toMatch(/\bnpm ci\b[^\n]*--omit=dev/);
    expect(runs).not.toMatch(/\bnpm run build\b/);
    const copiedFromBuild = all(runtime, 'COPY').filter((c) => copiedFrom(c) === build!.name);
    expect(copiedFromBuild.map(content)).toEqual([expect.stringMatching(/^\/app\/dist\s/)]);
  });

  it('never puts src/, the whole context or tsx into the runtime image, and starts the bin that runs dist/', () => {
    for (const copy of all(runtime, 'COPY')) {
      const sources = copy
        .getArguments()
        .map((a) => a.getValue())
        .slice(0, -1);
      expect(sources, `COPY ${content(copy)}`).not.toContain('.');
      expect(sources, `COPY ${content(copy)}`).not.toContain('src');
      expect(
        sources.some((s) => s.startsWith('src/') || s.startsWith('./src')),
        `COPY ${content(copy)}`,
      ).toBe(false);
    }
    expect(all(runtime, 'ADD')).toEqual([]);
    const entrypoint = JSON.parse(content(all(runtime, 'ENTRYPOINT').at(-1)!)) as string[];
    expect(entrypoint).toEqual(['node', 'bin/intercom-pg-sync.js']);
    expect(JSON.parse(content(all(runtime, 'CMD').at(-1)!))).toEqual(['daemon']);
    const text = runtime.instructions.map((i) => `${i.getKeyword()} ${content(i)}`).join('\n');
    expect(text).not.toMatch(/\btsx\b/);
  });

  it('runs as a user that is not root, caps the heap as before, and checks /health', () => {
    const user = content(all(runtime, 'USER').at(-1)!).split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0', '']).not.toContain(user);
    expect(all(runtime, 'ENV').map(content)).toContain('NODE_OPTIONS=--max-old-space-size=256');
    const healthcheck = content(all(runtime, 'HEALTHCHECK').at(-1)!);
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toMatch(/http:\/\/127\.0\.0\.1:.*\/health'/);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, git, local services, dependencies and build or test output out of the context', async () => {
    const ignore = dockerignore().add(await readFile(new URL('.dockerignore', root), 'utf8'));
    for (const path of [
      '.env',
      '.env.local',
      '.env.production',
      'src/.env',
      '.git/config',
      '.services/pg/PG_VERSION',
      'node_modules/pg/package.json',
      'dist/src/cli/main.js',
      'coverage/index.html',
      'test/db/migrate.test.ts',
      'bench/results/full-sync.json',
      '.scratch/notes.txt',
      'npm-debug.log',
    ]) {
      expect(ignore.ignores(path), path).toBe(true);
    }
  });

  it('lets in every file the Dockerfile copies from the context', async () => {
    const ignore = dockerignore().add(await readFile(new URL('.dockerignore', root), 'utf8'));
    const copied = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => copiedFrom(c) === undefined)
      .flatMap((c) =>
        c
          .getArguments()
          .map((a) => a.getValue())
          .slice(0, -1),
      );
    expect(copied.length).toBeGreaterThan(0);
    const samples: Record<string, string> = {
      src: 'src/cli/main.ts',
      migrations: 'migrations/index.ts',
      'deploy/postgres': 'deploy/postgres/app-role.sql',
    };
    for (const source of copied) {
      const path = samples[source] ?? source;
      expect(ignore.ignores(path), path).toBe(false);
    }
  });
});
