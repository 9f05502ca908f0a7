// Parsers for numeric command-line options: a value that is not what the option takes is a usage
// error (exit 2) naming the option and what it takes, never a silent fallback to the default.
import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser for a whole number of at least `min` (and at most `max`).
 * @example program.option('--limit <n>', 'at most this many', wholeNumber(1), 200);
 */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`it takes a whole number ${range}.`);
    }
    return n;
  };
}
