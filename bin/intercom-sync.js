#!/usr/bin/env node
// Entry point for `intercom-sync`. In a source checkout it runs the TypeScript directly (tsx), so
// `npm install` is the only step before use; a published package runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(compiled.href);
}
