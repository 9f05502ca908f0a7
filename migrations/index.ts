// Every migration, in order. Listed here (not found by scanning a folder) so they load the same
// way from source, from dist/ and under the test runner. Never edit a migration after it lands.
import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_outbox_capture.js';
import * as m0003 from './0003_content_hash.js';
import * as m0004 from './0004_least_privilege.js';
import * as m0005 from './0005_local_changes_first.js';
import * as m0006 from './0006_isolation_retention.js';
import * as m0008 from './0008_operator_gauges.js';
import * as m0011 from './0011_write_everything.js';
import * as m0012 from './0012_cut_list_reads.js';
import * as m0013 from './0013_create_attempt_sent.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial': m0001,
  '0002_outbox_capture': m0002,
  '0003_content_hash': m0003,
  '0004_least_privilege': m0004,
  '0005_local_changes_first': m0005,
  '0006_isolation_retention': m0006,
  '0008_operator_gauges': m0008,
  '0011_write_everything': m0011,
  '0012_cut_list_reads': m0012,
  '0013_create_attempt_sent': m0013,
};
