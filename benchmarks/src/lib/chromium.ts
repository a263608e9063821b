// Headless Chromium through playwright-core, with the Debian binary (never a downloaded one).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // A forced GC before each timed block, as in the other runtimes.
  '--js-flags=--expose-gc',
];

/** A fresh profile and browser; close() removes both. */
export async function launchChromium(): Promise<{ context: BrowserContext; version: string; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tstar-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 120_000 });
  const page = await context.newPage();
  const version = await page.evaluate(() => /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? navigator.userAgent);
  await page.close();
  return {
    context,
    version,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
