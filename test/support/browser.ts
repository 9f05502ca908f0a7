// A headless Chromium (Debian's `chromium` package) driven by puppeteer-core, for the tests that
// check what a page shows. puppeteer's own browser download is not used; a missing Chromium fails
// the test with how to install it (scripts/tools.sh, which npm test runs).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/** CHROMIUM_PATH, or the Debian package's binary. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `Chromium is not installed at ${path}: run \`bash scripts/tools.sh\` (or \`apt-get install -y chromium\`); npm test installs it`,
    );
  return path;
}

/**
 * @example const browser = await launchBrowser(); const page = await browser.newPage(); … await browser.close();
 */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root in a container Chromium needs --no-sandbox; /dev/shm is small there.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
