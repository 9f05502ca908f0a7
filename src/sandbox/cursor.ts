// Opaque pagination cursors: base64 of [sort value, id, page], like the live ones
// (the 2.2 docs' example decodes to `[1571317446000,"5ba6…",2]`); stateless, as search's are.
import { invalidCursor } from './errors.js';
import type { SortValue } from './sorted-index.js';

export interface CursorPosition {
  readonly v: SortValue;
  readonly id: string;
  /** The page the cursor leads to. */
  readonly page: number;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.v, position.id, position.page])).toString('base64');
}

/** Throws the API's 400 for anything that is not a cursor this sandbox issued. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3) {
      const [v, id, page] = parsed as [unknown, unknown, unknown];
      const validValue = v === null || ['number', 'string', 'boolean'].includes(typeof v);
      if (validValue && typeof id === 'string' && Number.isInteger(page) && (page as number) > 1) {
        return { v: v as SortValue, id, page: page as number };
      }
    }
  } catch {
    // fall through to the API's error
  }
  throw invalidCursor();
}
