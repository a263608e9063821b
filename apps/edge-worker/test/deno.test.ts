import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serviceContract } from './contract.js';
import { DENO, freePort, run, start, waitForHttp, type Running } from './helpers.js';

describe('the core inside Deno', () => {
  it('loads through the deno condition on initSync() with no source (nothing at import) and runs the smoke suite bit for bit as Node does', async () => {
    // No --allow-* flags: the wasm arrives as an imported module, not a file read.
    const out = await run(DENO, ['run', '--quiet', 'test/fixtures/deno-smoke.mjs']);
    const answer = JSON.parse(out) as { atImport: boolean; ready: boolean; runtime: string; smoke: SmokeResult };
    expect(answer.atImport).toBe(false);
    expect(answer.ready).toBe(true);
    const node = runSmoke(core);
    expect(answer.smoke.ops).toEqual(node.ops);
    expect(answer.smoke.values).toEqual(node.values);
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
