import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serviceContract } from './contract.js';
import { DENO, expectSameSmoke, freePort, run, start, waitForHttp, type Running } from './helpers.js';

describe('the core inside Deno', () => {
  it('loads the relaxed-SIMD build through the deno condition on initSync() with no source (nothing at import) and runs the smoke suite as Node does', async () => {
    // No --allow-* flags: the wasm arrives as an imported module, not a file read.
    const out = await run(DENO, ['run', '--quiet', 'test/fixtures/deno-smoke.mjs']);
    const answer = JSON.parse(out) as { atImport: boolean; ready: boolean; runtime: string; smoke: SmokeResult };
    expect(answer.atImport).toBe(false);
    expect(answer.ready).toBe(true);
    expect(answer.smoke.build).toBe('relaxed-simd');
    expectSameSmoke(answer.smoke, runSmoke(core));
  });
});

describe('the edge service under deno serve', () => {
  let deno: Running;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    deno = start(DENO, ['serve', '--quiet', '--host', '127.0.0.1', '--port', String(port), 'dist/handler.js']);
    await waitForHttp(url, deno);
  });
  afterAll(async () => {
    await deno?.stop();
  });
  serviceContract(() => url);
});
