#!/usr/bin/env node
// The command's old name, kept so scripts and checkouts that still call bin/intercom-sync.js work;
// the command is `intercom-pg-sync` (bin/intercom-pg-sync.js), like the package.
import './intercom-pg-sync.js';
