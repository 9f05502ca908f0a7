// A redis-server of the test's own, on its own port and without persistence, that the test may
// stop, restart (empty) or flush without touching the shared test Redis.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (a no-op while it runs). */
  start(): Promise<void>;
  flushAll(): Promise<void>;
  /** Stops it for good (its exit hook removed): for a process that makes many. */
  close(): Promise<void>;
}

function redisServerPath(): string {
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server is not on PATH: these tests start a Redis of their own');
  }
}

/** A port nothing listens on now on 127.0.0.1 (the system's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const binary = redisServerPath();
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    // Spawning while it runs would lose the running server (the new one cannot bind and exits),
    // and stop() would then leave it behind.
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 10_000;
    while (!(await ping(url))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  // Never outlive the test process, even if an afterAll did not run (removed by close(): a chaos
  // run makes one per round, and ten listeners left behind trip Node's MaxListeners warning).
  const orphan = () => child?.kill('SIGKILL');
  process.once('exit', orphan);
  return {
    url,
    port,
    start,
    stop,
    async close() {
      process.off('exit', orphan);
      await stop();
    },
    async flushAll() {
      const client = new Redis(url);
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
  };
}
