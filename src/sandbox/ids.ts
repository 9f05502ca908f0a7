// Issues record ids the way Intercom shapes them: 24-hex, monotonic ids for contacts, companies
// and segments (ObjectId-like: creation second + counter), small numeric strings for tags, notes, admins.
export class IdFactory {
  private counter = 0;
  private numeric = new Map<string, number>();

  constructor(private readonly machine: string) {}

  /** 24 hex chars: 8 of the creation second, 6 of workspace, 10 of a counter, so id order = creation order. */
  objectId(createdAt: number): string {
    this.counter += 1;
    const time = Math.max(0, Math.floor(createdAt)).toString(16).padStart(8, '0').slice(-8);
    return time + this.machine.slice(0, 6) + this.counter.toString(16).padStart(10, '0');
  }

  /** Numeric string ids per kind, as tags ("17513"), notes and admins have. */
  numericId(kind: string, start: number): string {
    const next = (this.numeric.get(kind) ?? start) + 1;
    this.numeric.set(kind, next);
    return String(next);
  }
}
