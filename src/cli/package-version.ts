// The version the CLI reports: the one in this package's package.json.
import { readFileSync } from 'node:fs';

/**
 * Reads the version from the package.json nearest above this module. The module sits at a different
 * depth in a checkout (src/cli/) and in the built package (dist/src/cli/), so it looks upwards
 * instead of importing a fixed relative path.
 * @example program.version(packageVersion());
 */
export function packageVersion(from: URL = new URL('.', import.meta.url)): string {
  for (let dir = from; ; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // no package.json at this level
    }
    if (text !== undefined) {
      const { name, version } = JSON.parse(text) as { name?: string; version?: string };
      if (name === 'intercom-pg-sync' && version) return version;
    }
    if (dir.pathname === '/') throw new Error(`no package.json of intercom-pg-sync above ${from.pathname}`);
  }
}
