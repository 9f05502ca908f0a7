// The streams a full sync reads, in the order it reads them: their own module so that
// `sync full --help` can list them without loading the sync (src/cli loads each command's code lazily).

/** Every stream of a full sync, in run order. */
export const FULL_SYNC_STREAMS = [
  'tags',
  'segments',
  'data_attributes',
  'admins',
  'companies',
  'contacts',
  'notes',
] as const;
export type FullSyncStream = (typeof FULL_SYNC_STREAMS)[number];
