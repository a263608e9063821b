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

describe('@tstar/core imported by file path in Deno', () => {
  it('needs --allow-read to load the wasm (E_INIT naming the flag without it), as the README says', async () => {
    const denied = JSON.parse(await run(DENO, ['run', '--quiet', 'test/fixtures/deno-file-import.mjs'])) as { ok: boolean; code: string; message: string };
    expect(denied).toMatchObject({ ok: false, code: 'E_INIT' });
    expect(denied.message).toMatch(/--allow-read/);
    const allowed = JSON.parse(await run(DENO, ['run', '--quiet', '--allow-read', 'test/fixtures/deno-file-import.mjs'])) as { ok: boolean; p: number[] };
    expect(allowed.ok).toBe(true);
    expect(allowed.p).toEqual(Array.from(core.softmax(new Float32Array([1, 2]), [1, 2])));
  });
});

describe('the edge service under deno serve', () => {
  const hosts: Running[] = [];
  let url = '';
  let deadline = '';
  beforeAll(async () => {
    const serve = async (file: string) => {
      const port = await freePort();
      const running = start(DENO, ['serve', '--quiet', '--host', '127.0.0.1', '--port', String(port), file]);
      hosts.push(running);
      await waitForHttp(`http://127.0.0.1:${port}/`, running);
      return `http://127.0.0.1:${port}/`;
    };
    url = await serve('dist/handler.js');
    deadline = await serve('dist/handler-short-deadline.js');
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
  });
  serviceContract(() => url, { deadline: () => deadline, truncatedReachesHandler: true });
});
