// The processes a chaos run kills and restarts: two daemons (`intercom-pg-sync daemon`), a full sync
// started again each time it ends or is killed (`sync full`), and the load balancer in front of the
// daemons that the sandbox delivers its webhooks to (any live daemon; 503 while none is up).
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Prng } from '../../src/sandbox/prng.js';
import { spawnCli, type CliProcess } from '../../test/support/cli.js';

export interface DaemonSlot {
  readonly name: string;
  process?: CliProcess;
  /** Set once it listens; unset while it is down. */
  url?: string;
  starts: number;
}

export interface SyncRunEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The `--json` summary of a sync that ran to its end. */
  readonly summary?: { runId?: number; resumed?: boolean; status?: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every process a fleet started that has not exited: killed if the runner exits first (one handler for all). */
const liveChildren = new Set<{ kill(signal: NodeJS.Signals): boolean }>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export class Fleet {
  readonly daemons: DaemonSlot[] = [
    { name: 'a', starts: 0 },
    { name: 'b', starts: 0 },
  ];
  readonly syncs: SyncRunEnd[] = [];
  private sync?: CliProcess;
  private syncLoop?: Promise<void>;
  private stopping = false;
  private proxy?: Server;
  private logs = 0;

  constructor(
    private readonly env: Readonly<Record<string, string>>,
    private readonly rng: Prng,
    private readonly logDir: string,
  ) {}

  /** A process's output goes to a file of its own under the run's log folder. */
  private spawn(label: string, args: readonly string[]): CliProcess {
    const cli = spawnCli(args, this.env);
    // Never outlive the runner, even when it is stopped before close().
    liveChildren.add(cli.child);
    void cli.exited.finally(() => liveChildren.delete(cli.child)).catch(() => undefined);
    const file: WriteStream = createWriteStream(
      join(this.logDir, `${String(++this.logs).padStart(3, '0')}-${label}.log`),
    );
    cli.child.stdout!.pipe(file, { end: false });
    cli.child.stderr!.pipe(file, { end: false });
    void cli.exited.then(
      ({ code, signal }) => file.end(`\n[exited ${code ?? signal}]\n`),
      () => file.end(),
    );
    return cli;
  }

  /** Starts a daemon in `slot` and resolves once it listens. */
  async startDaemon(slot: DaemonSlot): Promise<void> {
    slot.starts += 1;
    const cli = this.spawn(`daemon-${slot.name}`, ['daemon', '--host', '127.0.0.1', '--grace-ms', '1000']);
    slot.process = cli;
    for (const deadline = Date.now() + 180_000; ;) {
      const match = /daemon listening on (\S+) \(/.exec(cli.output.stderr);
      if (match) {
        slot.url = match[1]!;
        return;
      }
      if (cli.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`daemon ${slot.name} did not start:\n${cli.output.stderr.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** SIGKILL: no drain, no cleanup, as a crashed host or an OOM kill. */
  async killDaemon(slot: DaemonSlot): Promise<void> {
    const cli = slot.process;
    slot.url = undefined;
    if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
    cli.child.kill('SIGKILL');
    await cli.exited;
  }

  live(): DaemonSlot[] {
    return this.daemons.filter((d) => d.url !== undefined);
  }

  /** Runs `sync full` again and again (a short pause between) until stopSyncs(). */
  startSyncs(): void {
    this.stopping = false;
    this.syncLoop = (async () => {
      while (!this.stopping) {
        const cli = this.spawn('sync-full', ['sync', 'full', '--json']);
        this.sync = cli;
        const { code, signal } = await cli.exited;
        let summary: SyncRunEnd['summary'];
        try {
          summary = JSON.parse(cli.output.stdout.trim().split('\n').at(-1) ?? '') as SyncRunEnd['summary'];
        } catch {
          summary = undefined;
        }
        this.syncs.push({ code, signal, summary });
        this.sync = undefined;
        await sleep(this.rng.int(200, 800));
      }
    })();
  }

  /** Whether a full sync process is running now. */
  syncRunning(): boolean {
    return this.sync !== undefined && this.sync.child.exitCode === null;
  }

  async killSync(): Promise<boolean> {
    const cli = this.sync;
    if (!cli || cli.child.exitCode !== null) return false;
    cli.child.kill('SIGKILL');
    await cli.exited;
    return true;
  }

  /** Lets the running sync finish (bounded), then starts no other. */
  async stopSyncs(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const loop = this.syncLoop;
    if (!loop) return;
    const timer = setTimeout(() => void this.killSync(), timeoutMs);
    await loop;
    clearTimeout(timer);
  }

  /**
   * The load balancer the sandbox delivers to: each delivery goes to a live daemon (seeded pick),
   * its answer relayed; 503 while no daemon is up, as a balancer with no healthy backend answers.
   */
  async startProxy(): Promise<string> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const live = this.live();
        if (live.length === 0) {
          response.writeHead(503).end('no daemon up');
          return;
        }
        const target = this.rng.pick(live);
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'x-hub-signature', 'user-agent']) {
          const value = request.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        fetch(`${target.url}${request.url ?? '/'}`, { method: 'POST', headers, body: Buffer.concat(chunks) })
          .then(async (answer) => response.writeHead(answer.status).end(await answer.text()))
          .catch(() => response.writeHead(502).end('daemon unreachable'));
      });
    });
    this.proxy = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** Stops everything it started: the sync (killed), the daemons (SIGTERM, then SIGKILL), the proxy. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.killSync();
    await this.syncLoop;
    await Promise.all(
      this.daemons.map(async (slot) => {
        const cli = slot.process;
        slot.url = undefined;
        if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
        cli.child.kill('SIGTERM');
        const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5_000);
        await cli.exited;
        clearTimeout(timer);
      }),
    );
    await new Promise<void>((resolve) => (this.proxy ? this.proxy.close(() => resolve()) : resolve()));
  }
}
