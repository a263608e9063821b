// The page's entry (bundled by hosts/chromium.ts): runs the suite on the main thread, or starts the
// module Web Worker that runs it there. The driver calls window.tstarSuite.run(...) and gets the JSON back.
import type { CaseSpec } from '../suite/cases.js';
import type { MeasureOptions } from '../suite/measure.js';
import { runCases, type CaseResult } from '../suite/runner.js';
import { loadBrowserEnv } from './browser-env.js';

export interface BrowserRun {
  specs: CaseSpec[];
  options: MeasureOptions;
}
export interface BrowserResult {
  runtime: string;
  versions: Record<string, string>;
  notes: string[];
  seconds: number;
  cases: CaseResult[];
}

async function mainThread(run: BrowserRun): Promise<BrowserResult> {
  const started = performance.now();
  const env = await loadBrowserEnv(false);
  const cases = await runCases(env, run.specs, run.options, (line) => console.log(line));
  return { runtime: env.runtime, versions: env.versions, notes: env.notes, seconds: (performance.now() - started) / 1000, cases };
}

function inWorker(run: BrowserRun): Promise<BrowserResult> {
  const worker = new Worker('/bundle/browser-worker.js', { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ log?: string; result?: BrowserResult; error?: string }>) => {
      if (event.data.log) console.log(event.data.log);
      if (event.data.error) reject(new Error(event.data.error));
      if (event.data.result) {
        resolve(event.data.result);
        worker.terminate();
      }
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(run);
  });
}

(globalThis as { tstarSuite?: unknown }).tstarSuite = {
  run: (run: BrowserRun, where: 'main' | 'worker') => (where === 'worker' ? inWorker(run) : mainThread(run)),
};
