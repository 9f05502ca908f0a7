// What a chaos run meant to happen, recorded as it happens: every local edit (by local row), every
// local create, every remote edit (by Intercom id), and the few fields edited on both sides with
// the side the conflict policy must pick. Judged at the end against Postgres and the sandbox.

/** One intended value of a contact's `name`, and when it was written (ms). */
export interface Intended {
  readonly value: string;
  readonly at: number;
}

export interface IntendedCreate {
  readonly rowId: number;
  readonly role: 'user' | 'lead';
  /** Unique per create; null for a lead created with a name only (matched by that name). */
  readonly email: string | null;
  readonly name: string;
}

/** A contact edited on both sides: which side's value newest-wins must keep. */
export interface BothSides {
  readonly rowId: number;
  readonly intercomId: string;
  readonly expected: Intended & { side: 'local' | 'remote' };
}

export class Oracle {
  /** Final intended local value per local row id (edits of seeded rows and of created rows). */
  readonly local = new Map<number, Intended>();
  readonly creates = new Map<number, IntendedCreate>();
  /** Final intended remote value per Intercom id. */
  readonly remote = new Map<string, Intended>();
  readonly both = new Map<number, BothSides>();
  localEdits = 0;
  /** Both-sides contacts whose local edit was not pushed in time: judged as local-only edits. */
  bothSkipped = 0;
  remoteEdits = 0;
  bursts = 0;

  recordLocal(rowId: number, value: string): void {
    this.localEdits += 1;
    this.local.set(rowId, { value, at: Date.now() });
  }

  recordCreate(create: IntendedCreate): void {
    this.localEdits += 1;
    this.creates.set(create.rowId, create);
    this.local.set(create.rowId, { value: create.name, at: Date.now() });
  }

  recordRemote(intercomId: string, value: string): void {
    this.remoteEdits += 1;
    this.remote.set(intercomId, { value, at: Date.now() });
  }

  /**
   * Both edits of a both-sides contact are made, the second at least `gapMs` after the first (more
   * than a second: Intercom's timestamps are whole seconds). Newest-wins keeps the later one.
   */
  recordBoth(
    rowId: number,
    intercomId: string,
    first: Intended,
    second: Intended,
    secondSide: 'local' | 'remote',
  ): void {
    if (second.at <= first.at) throw new Error('the second edit of a both-sides contact must come later');
    this.both.set(rowId, { rowId, intercomId, expected: { ...second, side: secondSide } });
  }
}
