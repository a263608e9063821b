// The shape of results/kernels.json.
import type { BytesRow, ColdStartRow } from '../cold-start.js';
import type { RuntimeId } from '../suite/env.js';
import type { MeasureOptions } from '../suite/measure.js';
import type { CaseResult } from '../suite/runner.js';
import type { TargetRow } from './targets.js';

export interface RuntimeRun {
  id: RuntimeId;
  versions: Record<string, string>;
  notes: string[];
  /** How the times were taken in this runtime. */
  timing: string;
  /** 1-minute load average before and after this runtime's run. */
  loadAverage: { before: number; after: number };
  seconds: number;
  /** workerd: the empty-request round trip subtracted from each sample, per case (ms). */
  baselineMs?: number[];
  cases: CaseResult[];
  /** When this runtime finished (runs merged from several invocations differ). */
  date?: string;
  /** The runtime could not run at all. */
  failure?: string;
}

export interface SuiteReport {
  suite: 'kernels';
  date: string;
  mode: 'full' | 'quick';
  filter: string | null;
  /** The command that reproduces this file. */
  command: string;
  seconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; platform: string; loadAverage: { start: number; end: number } };
  temperature: number;
  units: string;
  /** Node: inProcess; Bun and Deno: short; Chromium: browser; workerd: workerd (older files: inProcess and workerd only). */
  measure: { inProcess: MeasureOptions; short?: MeasureOptions; browser?: MeasureOptions; workerd: MeasureOptions };
  runtimes: RuntimeRun[];
  coldStart: ColdStartRow[];
  bytes: BytesRow[];
  targets: TargetRow[];
}
