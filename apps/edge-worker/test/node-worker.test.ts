import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke, type SmokeResult } from '../src/smoke.js';

describe('the core inside a Node worker_threads Worker', () => {
  it('loads through the node condition on initSync() with no source (nothing at import) and runs the smoke suite bit for bit as the main thread does', async () => {
    const worker = new Worker(new URL('./fixtures/node-worker.mjs', import.meta.url));
    try {
      const answer = await new Promise<{ atImport: boolean; ready: boolean; smoke: SmokeResult }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('worker gave no answer within 60 s')), 60_000);
        worker.once('message', (m) => (clearTimeout(timer), resolve(m)));
        worker.once('error', (e) => (clearTimeout(timer), reject(e)));
      });
      expect(answer.atImport).toBe(false);
      expect(answer.ready).toBe(true);
      const main = runSmoke(core);
      expect(answer.smoke.ops).toEqual(main.ops);
      expect(answer.smoke.values).toEqual(main.values);
    } finally {
      await worker.terminate();
    }
  });
});
