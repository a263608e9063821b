import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serviceContract } from './contract.js';
import { BUN, expectSameSmoke, firstLine, run, start, type Running } from './helpers.js';

describe('the core inside Bun', () => {
  it('initialises through the node condition with initSync() and runs the smoke suite as Node does (bit for bit on the same wasm build)', async () => {
    const answer = JSON.parse(await run(BUN, ['run', 'test/fixtures/bun-smoke.mjs'])) as { ready: boolean; runtime: string; smoke: SmokeResult };
    expect(answer.ready).toBe(true);
    expect(answer.runtime).toMatch(/^bun 1\./);
    const node = runSmoke(core);
    expectSameSmoke(answer.smoke, node);
  });
});

describe('the edge service under Bun.serve', () => {
  let bun: Running;
  let urls = { service: '', deadline: '' };
  beforeAll(async () => {
    bun = start(BUN, ['run', 'test/fixtures/bun-serve.mjs']);
    urls = JSON.parse(await firstLine(bun)) as typeof urls;
  });
  afterAll(async () => {
    await bun?.stop();
  });
  // Bun drops a request whose upload the client cut short (the connection closes unanswered).
  serviceContract(() => urls.service, { deadline: () => urls.deadline, truncatedReachesHandler: false });
});
