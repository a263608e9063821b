import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serve } from './browser/server.js';
import { CHROMIUM, CHROMIUM_ARGS, expectSameSmoke } from './helpers.js';

interface PageAnswer {
  main: SmokeResult;
  worker: { smoke: SmokeResult; crossOriginIsolated: boolean };
  crossOriginIsolated: boolean;
  userAgent: string;
}

// Under CI the browser runs (a missing Chromium fails loudly); elsewhere a missing one skips with one line.
const inCi = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);
const missing = !existsSync(CHROMIUM) && !inCi;
if (missing) console.warn(`chromium: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH; CI=true makes this a failure)`);

describe.skipIf(missing)('the core inside headless Chromium', () => {
  let context: BrowserContext;
  let server: Server;
  let requests: string[];
  let profile: string;
  let answer: PageAnswer;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    const served = await serve();
    server = served.server;
    requests = served.requests;
    profile = mkdtempSync(join(tmpdir(), 'tstar-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 120_000 });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url, { timeout: 60_000 });
    await page.waitForFunction(() => 'smokeResult' in window || 'smokeError' in window, null, { timeout: 120_000 });
    const error = await page.evaluate(() => (window as unknown as { smokeError?: string }).smokeError);
    if (error) throw new Error(`page failed: ${error}\n${errors.join('\n')}`);
    answer = await page.evaluate(() => (window as unknown as { smokeResult: PageAnswer }).smokeResult);
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('picks the relaxed-SIMD build and runs the smoke suite on the main thread as Node does (within the precision bounds)', () => {
    expect(answer.main.build).toBe('relaxed-simd');
    expectSameSmoke(answer.main, runSmoke(core));
  });

  it('runs the smoke suite in a module Web Worker bit for bit as the main thread does', () => {
    expect(answer.worker.smoke.build).toBe(answer.main.build);
    expect(answer.worker.smoke.values).toEqual(answer.main.values);
  });

  it('needs no cross-origin isolation (single-threaded, no COOP/COEP)', () => {
    expect(answer.crossOriginIsolated).toBe(false);
    expect(answer.worker.crossOriginIsolated).toBe(false);
  });

  it('fetched only the relaxed-SIMD wasm through the exports map entries', () => {
    expect(requests).toContain('/core/dist/tstar-relaxed.wasm');
    expect(requests).not.toContain('/core/dist/tstar.wasm');
    expect(answer.userAgent).toMatch(/Chrome\//);
  });
});
