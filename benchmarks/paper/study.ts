// The paper-reproduction study: `npm run study` (full, writes results/paper.{md,json,svg}) or
// `npm run study:quick` (a few minutes, writes to a temporary folder unless --out is given).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '@tstar/core';
import { fullPlan, quickPlan, tinyPlan, type StudyPlan } from './lib/plan.js';
import { markdownReport, temperatureChart } from './lib/report.js';
import { runStudy, type StudyResult } from './lib/study.js';
import { loadTfjsWasm } from './lib/tf.js';

/** Writes `<name>.md`, `<name>.json` and `<name>-temperature.svg` into `dir`; returns their paths. */
export function writeStudy(result: StudyResult, dir: string, name: string, command: string): { markdown: string; json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const svg = path.join(dir, `${name}-temperature.svg`);
  const markdown = path.join(dir, `${name}.md`);
  const json = path.join(dir, `${name}.json`);
  writeFileSync(svg, temperatureChart(result) + '\n');
  writeFileSync(markdown, markdownReport(result, path.basename(svg), command));
  writeFileSync(json, JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1) + '\n');
  return { markdown, json, svg };
}

/** Runs a plan after loading the core and tfjs-wasm in this process. */
export async function study(plan: StudyPlan, workers: number, log?: (line: string) => void, cache?: string): Promise<StudyResult> {
  await init();
  await loadTfjsWasm();
  return runStudy(plan, { workers, log, cache });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const mode = args.includes('--quick') ? 'quick' : args.includes('--tiny') ? 'tiny' : 'full';
  const plan = mode === 'quick' ? quickPlan() : mode === 'tiny' ? tinyPlan() : fullPlan();
  const workers = Number(value('--workers') ?? Math.min(2, os.cpus().length));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = value('--out') ?? (mode === 'full' ? path.join(here, '..', 'results') : path.join(os.tmpdir(), `tstar-study-${mode}`));
  const command = mode === 'full' ? 'npm run study' : `npm run study:${mode}`;
  // Finished trainings are kept here, so a rerun (or a crash) retrains nothing already done; --fresh starts over.
  const cache = value('--cache') ?? path.join(os.tmpdir(), `tstar-study-${mode}-runs.jsonl`);
  if (args.includes('--fresh')) rmSync(cache, { force: true });
  try {
    const result = await study(plan, workers, (line) => console.log(line), cache);
    const files = writeStudy(result, out, 'paper', command);
    console.log(`wrote ${files.markdown}, ${files.json}, ${files.svg}`);
    console.log(`${(result.timing.wallSeconds / 60).toFixed(1)} min wall, ${(result.timing.cpuSeconds / 60).toFixed(1)} min CPU in trainings, ${result.timing.cpuMsPerGigaMac.toFixed(0)} CPU ms per 10⁹ training multiply-adds`);
  } catch (error) {
    // tfjs-wasm rethrows uncaught errors with its whole minified source line; print the error alone.
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  }
}
