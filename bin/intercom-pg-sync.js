#!/usr/bin/env node
// Entry point of `intercom-pg-sync`. It runs the compiled dist/, which is all the npm package and the
// Docker image ship. A source checkout (src/ beside bin/, tsx installed as a dev dependency) runs the
// TypeScript instead, so a checkout needs no build step and never runs a stale dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && tsxInstalled()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
