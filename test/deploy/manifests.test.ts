// deploy/kubernetes/*.yaml and docker-compose.yml, parsed as a cluster or compose would: every
// setting they name is one the service reads (src/config/config.ts), secrets come only from a Secret
// or the env file, probes hit routes a running daemon answers, and images and commands agree.
import { readdir, readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { commandContext } from '../../src/cli/command-context.js';
import { commands } from '../../src/cli/commands/index.js';
import { SETTING_NAMES } from '../../src/config/config.js';
import { startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';

const root = new URL('../../', import.meta.url);
const kubernetesDir = new URL('deploy/kubernetes/', root);

/** Read by Node itself, not by the service: allowed in manifests though not in the schema. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS', 'NODE_ENV']);
/** Settings that carry credentials: only ever from a Secret (Kubernetes) or the env file (compose). */
const SECRET_SETTINGS = ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN', 'INTERCOM_CLIENT_SECRET'];
/** Credentials a deployment may leave out (the surface they open stays off): optional Secret keys. */
const OPTIONAL_SECRET_SETTINGS = ['DASHBOARD_PASSWORD', 'METRICS_TOKEN'];
const IMAGE = 'intercom-pg-sync';

type Doc = Record<string, any>;

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: unknown;
  };
}

async function yamlDocs(file: URL): Promise<Doc[]> {
  // merge: compose files share blocks with `<<: *anchor`, as docker compose reads them.
  const docs = parseAllDocuments(await readFile(file, 'utf8'), { merge: true });
  for (const doc of docs)
    if (doc.errors.length > 0) throw new Error(`${file.pathname}: ${doc.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as Doc).filter(Boolean);
}

let resources: Doc[];
let kustomization: Doc;
const byKind = (kind: string) => resources.filter((r) => r.kind === kind);
const podSpec = (r: Doc) => r.spec.template.spec as Doc;
const containers = (r: Doc) => podSpec(r).containers as Doc[];

let cliCommands: string[];

beforeAll(async () => {
  const files = (await readdir(kubernetesDir)).filter((f) => f.endsWith('.yaml'));
  const parsed = await Promise.all(
    files.map(async (f) => ({ f, docs: await yamlDocs(new URL(f, kubernetesDir)) })),
  );
  kustomization = parsed.find((p) => p.f === 'kustomization.yaml')!.docs[0]!;
  resources = parsed.filter((p) => p.f !== 'kustomization.yaml').flatMap((p) => p.docs);
  const program = new Command();
  for (const register of commands) register(program, commandContext({}));
  cliCommands = program.commands.map((c) => c.name());
});

describe('deploy/kubernetes', () => {
  it('parses, and kustomization.yaml lists every manifest in the folder', async () => {
    const files = (await readdir(kubernetesDir)).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(resources.map((r) => r.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Job', 'PodDisruptionBudget', 'Service'].sort(),
    );
  });

  it('names only settings the service reads, in the ConfigMap and in every container', () => {
    const configMap = byKind('ConfigMap')[0]!;
    const names = new Set(SETTING_NAMES);
    for (const key of Object.keys(configMap.data)) expect(names.has(key), `ConfigMap key ${key}`).toBe(true);
    for (const workload of [...byKind('Deployment'), ...byKind('Job')]) {
      for (const container of containers(workload)) {
        for (const variable of (container.env ?? []) as EnvVar[]) {
          expect(
            names.has(variable.name) || NODE_VARIABLES.has(variable.name),
            `${workload.kind} env ${variable.name}`,
          ).toBe(true);
        }
        for (const source of (container.envFrom ?? []) as Doc[]) {
          expect(source.configMapRef?.name, `${workload.kind} envFrom`).toBe(configMap.metadata.name);
        }
      }
    }
  });

  it('takes every secret from a Secret reference, never from a literal, and ships no Secret', () => {
    expect(byKind('Secret')).toEqual([]);
    const configMap = byKind('ConfigMap')[0]!;
    for (const secret of SECRET_SETTINGS) {
      expect(SETTING_NAMES).toContain(secret);
      expect(Object.keys(configMap.data)).not.toContain(secret);
    }
    const daemon = containers(byKind('Deployment')[0]!)[0]!;
    const migrate = containers(byKind('Job')[0]!)[0]!;
    const env = (c: Doc) => new Map(((c.env ?? []) as EnvVar[]).map((v) => [v.name, v]));
    for (const [container, needed] of [
      [daemon, SECRET_SETTINGS],
      [migrate, ['DATABASE_URL']],
    ] as const) {
      for (const name of needed) {
        const variable = env(container).get(name);
        expect(variable?.value, name).toBeUndefined();
        expect(variable?.valueFrom?.secretKeyRef, name).toEqual({ name: 'intercom-pg-sync', key: name });
      }
    }
    for (const container of [daemon, migrate]) {
      for (const variable of env(container).values()) {
        if (SECRET_SETTINGS.includes(variable.name)) expect(variable.value, variable.name).toBeUndefined();
      }
    }
  });

  it('takes the dashboard password and metrics token from the Secret, optionally, never from the ConfigMap', () => {
    const configMap = byKind('ConfigMap')[0]!;
    const daemon = containers(byKind('Deployment')[0]!)[0]!;
    const env = new Map(((daemon.env ?? []) as EnvVar[]).map((v) => [v.name, v]));
    for (const name of OPTIONAL_SECRET_SETTINGS) {
      expect(SETTING_NAMES).toContain(name);
      expect(Object.keys(configMap.data)).not.toContain(name);
      expect(env.get(name)?.valueFrom?.secretKeyRef, name).toEqual({
        name: 'intercom-pg-sync',
        key: name,
        optional: true,
      });
    }
    // Read-only unless someone opts in, and /metrics off the Service's port.
    expect(configMap.data.DASHBOARD_ALLOW_WRITES).toBe('false');
    const service = byKind('Service')[0]!;
    const metricsPort = (daemon.ports as Doc[]).find((p) => p.name === 'metrics')!;
    expect(String(metricsPort.containerPort)).toBe(configMap.data.METRICS_PORT);
    expect((service.spec.ports as Doc[]).map((p) => p.targetPort)).not.toContain('metrics');
  });

  it('gives a stopping pod time to drain and then to finish its jobs before it is killed', () => {
    const deployment = byKind('Deployment')[0]!;
    const daemon = containers(deployment)[0]!;
    const drainMs = Number(byKind('ConfigMap')[0]!.data.SHUTDOWN_DRAIN_MS);
    const graceMs = Number(daemon.args[daemon.args.indexOf('--grace-ms') + 1]);
    expect(drainMs).toBeGreaterThan(0);
    expect(podSpec(deployment).terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + graceMs);
  });

  it('runs two daemons and a migration Job from the one image, with commands the CLI has', () => {
    const deployment = byKind('Deployment')[0]!;
    const job = byKind('Job')[0]!;
    expect(deployment.spec.replicas).toBe(2);
    for (const container of [...containers(deployment), ...containers(job)]) {
      expect(container.image).toBe(IMAGE);
      expect(container.command, 'the image ENTRYPOINT runs the CLI; args name the command').toBeUndefined();
      expect(cliCommands).toContain(container.args[0]);
    }
    expect(containers(deployment)[0]!.args[0]).toBe('daemon');
    expect(containers(job)[0]!.args).toEqual(['migrate']);
    expect(kustomization.images.map((i: Doc) => i.name)).toEqual([IMAGE]);
    for (const workload of [deployment, job]) {
      expect(podSpec(workload).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const container of containers(workload)) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
      }
    }
  });

  it('has a Service and a PodDisruptionBudget that select the daemons, on the port the daemon listens on', () => {
    const deployment = byKind('Deployment')[0]!;
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const service = byKind('Service')[0]!;
    expect(labels).toMatchObject(service.spec.selector);
    const pdb = byKind('PodDisruptionBudget')[0]!;
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const port = containers(deployment)[0]!.ports[0];
    expect(service.spec.ports[0].targetPort).toBe(port.name);
    expect(String(port.containerPort)).toBe(byKind('ConfigMap')[0]!.data.PORT);
  });

  it('probes: startup and liveness on /health, readiness on /ready, on the named port', () => {
    const daemon = containers(byKind('Deployment')[0]!)[0]!;
    expect(daemon.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(daemon.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(daemon.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(daemon.ports[0].name).toBe('http');
  });
});

describe('the probed routes, on a running daemon', () => {
  let h: DaemonHarness;
  beforeAll(async () => {
    h = await startDaemonHarness();
  });
  afterAll(async () => h?.close());

  it('every probe path of the Deployment (and the image HEALTHCHECK) answers 200 once the daemon is up', async () => {
    const daemon = containers(byKind('Deployment')[0]!)[0]!;
    const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8');
    const healthcheck = /HEALTHCHECK[\s\S]*?(\/[a-z]+)'/.exec(dockerfile)![1]!;
    const paths = new Set<string>([
      daemon.startupProbe.httpGet.path,
      daemon.livenessProbe.httpGet.path,
      daemon.readinessProbe.httpGet.path,
      healthcheck,
    ]);
    const { url } = await h.startDaemon();
    for (const path of paths) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
    }
  });
});

describe('docker-compose.yml', () => {
  let compose: Doc;
  let envExample: Map<string, string>;
  const ours = () =>
    Object.entries(compose.services as Record<string, Doc>).filter(([, s]) =>
      String(s.image ?? '').startsWith(`${IMAGE}:`),
    );
  const environment = (service: Doc): Record<string, string> =>
    Array.isArray(service.environment)
      ? Object.fromEntries((service.environment as string[]).map((e) => e.split(/=(.*)/s).slice(0, 2)))
      : (service.environment ?? {});

  beforeAll(async () => {
    compose = (await yamlDocs(new URL('docker-compose.yml', root)))[0]!;
    const example = await readFile(new URL('.env.example', root), 'utf8');
    envExample = new Map(
      example
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
  });

  it('publishes ports on loopback only', () => {
    const published = Object.entries(compose.services as Record<string, Doc>).flatMap(([name, s]) =>
      ((s.ports ?? []) as string[]).map((p) => [name, String(p)]),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('our services set only settings the service reads, and read the secrets from .env', () => {
    const names = new Set(SETTING_NAMES);
    expect(
      ours()
        .map(([name]) => name)
        .sort(),
    ).toEqual(['daemon', 'migrate', 'sandbox']);
    for (const [name, service] of ours()) {
      for (const key of Object.keys(environment(service))) {
        expect(names.has(key) || NODE_VARIABLES.has(key), `${name}: ${key}`).toBe(true);
      }
    }
    const daemon = compose.services.daemon as Doc;
    expect(daemon.env_file).toEqual(['.env']);
    const daemonEnv = environment(daemon);
    for (const secret of ['INTERCOM_TOKEN', 'INTERCOM_CLIENT_SECRET']) {
      expect(daemonEnv[secret], secret).toBeUndefined();
      expect(envExample.has(secret), `.env.example names ${secret}`).toBe(true);
    }
  });

  it('bakes in no password: every one comes from .env, and .env.example leaves it to be chosen', async () => {
    const text = await readFile(new URL('docker-compose.yml', root), 'utf8');
    for (const match of text.matchAll(/\/\/[^\s:/@]+:([^@\s]+)@/g)) {
      expect(match[1], `password in ${match[0]}`).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    }
    expect(environment(compose.services.postgres as Doc).POSTGRES_PASSWORD).toMatch(
      /^\$\{POSTGRES_PASSWORD:\?/,
    );
    expect(envExample.get('POSTGRES_PASSWORD')).toBe('');
    // Every variable compose must be given (no default) is one .env.example names.
    for (const match of text.matchAll(/\$\{([A-Z_]+):\?/g))
      expect(envExample.has(match[1]!), match[1]).toBe(true);
    for (const key of envExample.keys()) {
      expect(SETTING_NAMES.includes(key) || text.includes(`\${${key}`), `.env.example ${key}`).toBe(true);
    }
  });

  it('runs commands the CLI has, and the sandbox on the port the daemon is pointed at', () => {
    for (const [name, service] of ours()) {
      expect(cliCommands, name).toContain((service.command as string[])[0]);
    }
    const sandboxPort = (compose.services.sandbox.command as string[])
      .find((a) => a.startsWith('--port='))!
      .slice(7);
    expect(environment(compose.services.daemon as Doc).INTERCOM_BASE_URL).toContain(
      `http://127.0.0.1:${sandboxPort}`,
    );
  });
});
