// Where the daemon is in its life, as its HTTP server tells probes and clients: starting (and what
// it waits for), running, or draining before it stops.

export type Phase =
  | { readonly state: 'starting'; readonly waitingFor: string }
  | { readonly state: 'running' }
  | { readonly state: 'draining' };

export interface PhaseHolder {
  get(): Phase;
  set(phase: Phase): void;
}

/** @example const phase = createPhase({ state: 'starting', waitingFor: 'Postgres' }); phase.set({ state: 'running' }); */
export function createPhase(initial: Phase): PhaseHolder {
  let current = initial;
  return {
    get: () => current,
    set(phase) {
      current = phase;
    },
  };
}
