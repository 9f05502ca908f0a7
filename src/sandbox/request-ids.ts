// Request ids as live answers carry them, in `X-Request-Id` and in error bodies' `request_id`:
// 20 base-32 characters (0-9, a-v), e.g. "005km64sk8i4aegi3di0" (docs/intercom-api.md#errors).
import { Prng } from './prng.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';
export const REQUEST_ID_LENGTH = 20;

/** Issues request ids from a seeded stream, so a run's ids repeat with its seed. */
export class RequestIds {
  private readonly rng: Prng;

  constructor(seed: number) {
    this.rng = new Prng(seed ^ 0x2e91);
  }

  next(): string {
    let id = '';
    for (let i = 0; i < REQUEST_ID_LENGTH; i++) id += ALPHABET[this.rng.int(0, ALPHABET.length - 1)];
    return id;
  }
}
