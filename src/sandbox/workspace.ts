// Assembles one simulated workspace: the seeded store and the services that read and change
// it (search, scroll, mutations), with every change reported to one sink.
import type { Clock } from './clock.js';
import { CompanyMutations } from './company-mutations.js';
import { ContactMutations, type MutationDeps } from './contact-mutations.js';
import type { ChangeSink } from './events.js';
import { IdFactory } from './ids.js';
import { LinkMutations } from './link-mutations.js';
import type { RuntimeSettings, SandboxOptions } from './options.js';
import { Prng } from './prng.js';
import { CompanyScroll } from './scroll.js';
import { ContactSearch } from './search.js';
import type { RestShape } from './render.js';
import { generateSeed } from './seed.js';
import { Store } from './store.js';

export interface Workspace {
  readonly store: Store;
  readonly search: ContactSearch;
  readonly contacts: ContactMutations;
  readonly links: LinkMutations;
  readonly companies: CompanyMutations;
  readonly scroll: CompanyScroll;
  readonly specLiteral: boolean;
  /** The REST shapes to answer in: `spec` with specLiteral, else `live`. */
  readonly restShape: RestShape;
  readonly companiesListCap: number;
  /** How long generating and loading the seeded data took. */
  readonly loadMs: number;
}

export interface WorkspaceDeps {
  readonly options: SandboxOptions;
  readonly settings: () => RuntimeSettings;
  readonly clock: Clock;
  readonly emit: ChangeSink;
}

export function createWorkspace({ options, settings, clock, emit }: WorkspaceDeps): Workspace {
  const started = performance.now();
  const machine = new Prng(options.seed ^ 0x5a5a).hex(6);
  const ids = new IdFactory(machine);
  const store = new Store({
    appId: options.appId,
    ids,
    clock,
    searchLagMs: () => settings().searchLagSeconds * 1000,
  });
  store.load(
    generateSeed(
      options.seed,
      {
        contacts: options.contacts,
        companies: options.companies,
        nullCompanyNameRate: options.specLiteral ? 0 : options.nullCompanyNameRate,
        tagTotalMismatchRate: options.specLiteral ? 0 : options.tagTotalMismatchRate,
        importDayShare: options.importDayShare,
      },
      ids,
    ),
  );
  const deps: MutationDeps = { store, emit, conflictStatus: () => (options.specLiteral ? 400 : 409) };
  const contacts = new ContactMutations(deps);
  const scroll = new CompanyScroll({
    store,
    clock,
    pageSize: options.scrollPageSize,
    expirySeconds: () => settings().scrollExpirySeconds,
    faultRate: () => settings().scrollFaultRate,
    rng: new Prng(options.seed + 7),
  });
  return {
    store,
    search: new ContactSearch(store),
    contacts,
    links: new LinkMutations(deps, contacts),
    companies: new CompanyMutations(deps),
    scroll,
    specLiteral: options.specLiteral,
    restShape: options.specLiteral ? 'spec' : 'live',
    companiesListCap: options.companiesListCap,
    loadMs: performance.now() - started,
  };
}
