// A shuffle a failing run can repeat: the seed comes from TEST_SHUFFLE_SEED or is drawn, and a
// failing test prints it.
import { randomInt } from 'node:crypto';
import { onTestFailed } from 'vitest';
import { Prng } from '../../src/sandbox/prng.js';

/**
 * Shuffles `items` in place inside a test, printing the seed if the test fails.
 * @example seededShuffle(sent); // on failure: "shuffled with seed 1234: rerun with TEST_SHUFFLE_SEED=1234"
 */
export function seededShuffle<T>(items: T[]): T[] {
  const fromEnv = Number(process.env.TEST_SHUFFLE_SEED);
  const seed = Number.isInteger(fromEnv) && process.env.TEST_SHUFFLE_SEED ? fromEnv : randomInt(1, 2 ** 31);
  onTestFailed(() => {
    console.error(`shuffled with seed ${seed}: rerun with TEST_SHUFFLE_SEED=${seed}`);
  });
  return new Prng(seed).shuffle(items);
}
