import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serviceContract } from './contract.js';
import { CORE, WORKERD, expectSameSmoke, freePort, start, waitForHttp, type Running } from './helpers.js';

// workerd.capnp serves three workers: the edge service ("http"), the smoke worker ("smoke") and the service
// with a 1 s body deadline ("deadline").
let workerd: Running;
let service = '';
let smoke = '';
let deadline = '';

beforeAll(async () => {
  const [a, b, c] = [await freePort(), await freePort(), await freePort()];
  service = `http://127.0.0.1:${a}/`;
  smoke = `http://127.0.0.1:${b}/`;
  deadline = `http://127.0.0.1:${c}/`;
  workerd = start(WORKERD, ['serve', 'workerd.capnp', '--socket-addr', `http=127.0.0.1:${a}`, '--socket-addr', `smoke=127.0.0.1:${b}`, '--socket-addr', `deadline=127.0.0.1:${c}`]);
  for (const url of [service, smoke, deadline]) await waitForHttp(url, workerd);
});

afterAll(async () => {
  await workerd?.stop();
});

describe('the core inside workerd', () => {
  let answer: { atImport: boolean; ready: boolean; refusals: Record<string, string>; smoke: SmokeResult };
  beforeAll(async () => {
    const wasm = readFileSync(join(CORE, 'dist', 'tstar.wasm'));
    const res = await fetch(smoke, { method: 'POST', body: wasm });
    expect(res.status).toBe(200);
    answer = await res.json();
  });

  it('refuses to compile wasm from bytes, so the environment is the real edge one', () => {
    for (const how of ['module', 'compile', 'instantiate']) {
      expect(answer.refusals[how], how).toMatch(/Wasm code generation disallowed by embedder/);
    }
  });

  it('loads through the workerd condition on initSync() with no source (nothing at import), with no await', () => {
    expect(answer.atImport).toBe(false);
    expect(answer.ready).toBe(true);
  });

  it('picks the relaxed-SIMD build and runs the smoke suite as Node does (within the precision bounds)', () => {
    expect(answer.smoke.build).toBe('relaxed-simd');
    expectSameSmoke(answer.smoke, runSmoke(core));
  });
});

describe('the edge service under workerd', () => {
  serviceContract(() => service, { deadline: () => deadline, truncatedReachesHandler: true });
});
