import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Hang detectors, not time limits: a test waits on state, and on a loaded 2-core machine a test
    // that spawns the CLI several times can take a while without being wrong.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    pool: 'forks',
    // Files share a worker's module cache instead of importing src/ afresh each: importing was a
    // third of the suite's time. Safe because nothing in src/ keeps module-level state and each
    // file builds (and closes) its own harness; a test-support cache that would leak across files
    // is reset by the file that reads it (test/sandbox/spec-conformance.test.ts).
    isolate: false,
    // Slow files first, so neither worker is left idle at the end (test/support/slow-first-sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
