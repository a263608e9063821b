import { afterAll, describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';
import { serviceContract } from './contract.js';
import { firstLine, start } from './helpers.js';

// One host process (test/fixtures/edge-runtime-host.mjs) bundles and runs everything inside edge-runtime VMs
// with wasm code generation off, handing the wasm in as a module compiled outside the VM, as Vercel does.
const host = start(process.execPath, ['test/fixtures/edge-runtime-host.mjs'], { stdin: 'pipe' });
const answer = JSON.parse(await firstLine(host)) as {
  ready?: boolean;
  smoke?: SmokeResult;
  smokeError?: string;
  refusal: string;
  service?: string;
  deadline?: string;
  serviceError?: string;
};
afterAll(async () => {
  await host.stop();
});

describe('Vercel edge-runtime with wasm code generation off', () => {
  it('refuses to compile wasm from bytes inside the VM, as Vercel\'s edge does', () => {
    expect(answer.refusal).toMatch(/Wasm code generation disallowed by embedder/);
  });
});

// The module comes from the host's realm, not the VM's: the loader must not rely on `instanceof`.
describe('the core inside edge-runtime (edge-light condition)', () => {
  it('initialises from the host-provided module with initSync() and runs the smoke suite bit for bit as Node does', () => {
    expect(answer.smokeError).toBeUndefined();
    expect(answer.ready).toBe(true);
    const node = runSmoke(core);
    expect(answer.smoke!.ops).toEqual(node.ops);
    expect(answer.smoke!.values).toEqual(node.values);
  });
});

describe('the edge service under edge-runtime', () => {
  it('started', () => expect(answer.serviceError).toBeUndefined());
  // edge-runtime's Node server answers a body cut short with its own bare 400, before the handler.
  serviceContract(() => answer.service!, { deadline: () => answer.deadline!, truncatedReachesHandler: false });
});
