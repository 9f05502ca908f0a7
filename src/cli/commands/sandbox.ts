// `intercom-pg-sync sandbox`: runs the bundled Intercom simulator until interrupted.
import type { Command } from 'commander';
import { ZodError } from 'zod';
import type { SandboxOptionsInput } from '../../sandbox/options.js';
import { UserError } from '../user-error.js';

const int = (value: string): number => Number.parseInt(value, 10);
const num = (value: string): number => Number(value);

interface Flags {
  port: number;
  token?: string;
  contacts?: number;
  companies?: number;
  seed?: number;
  importDayShare?: number;
  latencyMs?: number;
  rateLimit?: number;
  faultRate?: number;
  searchLagSeconds?: number;
  scrollExpirySeconds?: number;
  scrollFaultRate?: number;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookTopics?: 'legacy' | 'modern';
  webhookDuplicateRate?: number;
  webhookReorderWindow?: number;
  webhookRetryDelayMs?: number;
  specLiteral?: boolean;
  log?: boolean;
}

/** The sandbox is its own product: it takes no settings of the service. */
export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run the bundled Intercom simulator (for demos and tests)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', int, 4010)
    .option('--token <token>', 'access token clients must send (default sandbox-token)')
    .option('--contacts <n>', 'seeded contacts (default 1000)', int)
    .option('--companies <n>', 'seeded companies (default 100)', int)
    .option('--seed <n>', 'seed for the generated workspace (default 1)', int)
    .option(
      '--import-day-share <f>',
      'fraction of contacts created on one day, as a bulk CSV import leaves a workspace (default 0)',
      num,
    )
    .option('--latency-ms <ms>', 'mean injected latency per request, with jitter', num)
    .option(
      '--rate-limit <n>',
      'calls per minute, enforced per 10-second window as n/6 (0 = unlimited; default 1000)',
      int,
    )
    .option('--fault-rate <f>', 'fraction of requests answered 500/502/503, timed out or truncated', num)
    .option('--search-lag-seconds <s>', 'delay before changes are visible to contact search', num)
    .option('--scroll-expiry-seconds <s>', 'idle time before a companies scroll expires (default 60)', num)
    .option(
      '--scroll-fault-rate <f>',
      'fraction of scroll continuations failing with the restart-the-scroll 500',
      num,
    )
    .option('--webhook-url <url>', 'deliver notifications of every change here')
    .option('--webhook-secret <secret>', 'client secret for X-Hub-Signature (default sandbox-secret)')
    .option('--webhook-topics <family>', 'legacy (2.2-era names) or modern (default)')
    .option('--webhook-duplicate-rate <f>', 'fraction of notifications delivered twice', num)
    .option('--webhook-reorder-window <n>', 'shuffle notifications within a window of n', int)
    .option(
      '--webhook-retry-delay-ms <ms>',
      'delay before the one retry of a failed delivery (default 60000)',
      int,
    )
    .option(
      '--spec-literal',
      "play the spec's shapes (400 conflicts, `companies` arrays) instead of the live ones",
    )
    .option('--log', 'log every request to stderr')
    .action(async (flags: Flags) => {
      const input = Object.fromEntries(
        Object.entries(flags).filter(([, v]) => v !== undefined),
      ) as SandboxOptionsInput;
      // Loaded here, not at the top: the simulator and faker's locales would cost every other
      // command (the daemon, migrate, --help) a third of a second of CPU at start-up for nothing.
      const { startSandbox } = await import('../../sandbox/server.js');
      let sandbox;
      try {
        sandbox = await startSandbox(input);
      } catch (error) {
        if (error instanceof ZodError) {
          throw new UserError(
            error.issues.map((i) => `--${kebab(String(i.path[0]))}: ${i.message}`).join('; '),
          );
        }
        throw error;
      }
      const s = sandbox.options;
      console.log(`listening on ${sandbox.url}`);
      console.error(
        `sandbox: ${s.contacts} contacts, ${s.companies} companies (seed ${s.seed}) loaded in ${Math.round(sandbox.loadMs)} ms; ` +
          `token ${s.token}; control endpoints under ${sandbox.url}/_sandbox`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sandbox.close();
    });
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
