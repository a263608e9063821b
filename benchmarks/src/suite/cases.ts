// The case table, defined once for every runtime: which op runs on which shapes. Inputs, float64
// expectations and error checks per op live in inputs.ts; who competes lives in contenders/.

/** The ops the suite times. */
export type Op =
  | 'softmax'
  | 'logSoftmax'
  | 'crossEntropy'
  | 'crossEntropyGrad'
  | 'batchNorm'
  | 'batchNormTrain'
  | 'fitTemperature'
  | 'calibrationMetrics'
  | 'csg';

/** Which family of shapes a case belongs to (charts draw each series as its own line style). */
export type Series = 'sweep' | 'grid';

export interface CaseSpec {
  /** Unique and stable: `op [rows×cols]`. */
  id: string;
  op: Op;
  rows: number;
  cols: number;
  series: Series;
  /** CSG only: number of classes. */
  classes?: number;
}

/** What each op means in the report. */
export const OP_TITLES: Record<Op, string> = {
  softmax: 'softmax(x / T)',
  logSoftmax: 'log-softmax(x / T)',
  crossEntropy: 'cross-entropy(x / T), forward',
  crossEntropyGrad: 'cross-entropy(x / T), forward + dL/dx',
  batchNorm: 'BatchNorm inference',
  batchNormTrain: 'BatchNorm training step (forward, running stats, backward)',
  fitTemperature: 'fitTemperature (post-hoc T)',
  calibrationMetrics: 'calibration metrics (acc, NLL, Brier, ECE, MCE)',
  csg: 'cumulative spectral gradient',
};

/** The temperature every T-aware op uses. */
export const TEMPERATURE = 3;

const SWEEP: [number, number][] = [10, 100, 1000, 10_000, 100_000, 1_000_000].map((c) => [1, c]);
/** Heads of 10 to 32k classes, batches of 8 to 1024 rows; the 1024×32000 corner (131 MB) is left out. */
const GRID: [number, number][] = [8, 128, 1024].flatMap((r) => [10, 1000, 32_000].map((c): [number, number] => [r, c])).filter(([r, c]) => r * c <= 4_100_000);
/** The shapes benchmarks/README.md sets targets on, where the grid does not already have them. */
const TARGET_SHAPES: Partial<Record<Op, [number, number][]>> = {
  softmax: [[256, 1000], [64, 32_000]],
  crossEntropyGrad: [[256, 1000]],
  batchNorm: [[256, 2048]],
};
/** An LLM vocabulary: 8 sequences × 128k tokens. */
const VOCAB: [number, number][] = [[8, 128_000]];
const STATS: [number, number][] = [[1000, 10], [10_000, 100], [1000, 1000]];

export function shapeText(rows: number, cols: number): string {
  const big = (v: number): string => (v >= 1e6 && v % 1e6 === 0 ? `${v / 1e6}e6` : String(v));
  return `[${big(rows)}×${big(cols)}]`;
}

function spec(op: Op, [rows, cols]: [number, number], series: Series, classes?: number): CaseSpec {
  return { id: `${op} ${shapeText(rows, cols)}${classes ? ` K=${classes}` : ''}`, op, rows, cols, series, ...(classes ? { classes } : {}) };
}

/** Every case of the full suite, in run order. */
export function fullCases(): CaseSpec[] {
  const rowOps = (op: Op, withSweep: boolean): CaseSpec[] => [
    ...(withSweep ? SWEEP.map((s) => spec(op, s, 'sweep')) : []),
    ...[...GRID, ...(TARGET_SHAPES[op] ?? []), ...(withSweep ? VOCAB : [])].sort((a, b) => a[0] * a[1] - b[0] * b[1]).map((s) => spec(op, s, 'grid')),
  ];
  return [
    ...rowOps('softmax', true),
    ...rowOps('logSoftmax', true),
    ...rowOps('crossEntropy', false),
    ...rowOps('crossEntropyGrad', false),
    ...rowOps('batchNorm', false),
    ...rowOps('batchNormTrain', false),
    ...STATS.map((s) => spec('fitTemperature', s, 'grid')),
    ...STATS.map((s) => spec('calibrationMetrics', s, 'grid')),
    spec('csg', [1000, 3], 'grid', 10),
    spec('csg', [4000, 3], 'grid', 40),
  ];
}

/** The quick suite: every op once or twice on small shapes, so a smoke run takes seconds per runtime. */
export function quickCases(): CaseSpec[] {
  return [
    spec('softmax', [1, 1000], 'sweep'),
    spec('softmax', [128, 1000], 'grid'),
    spec('logSoftmax', [8, 1000], 'grid'),
    spec('crossEntropy', [8, 1000], 'grid'),
    spec('crossEntropyGrad', [8, 1000], 'grid'),
    spec('batchNorm', [8, 1000], 'grid'),
    spec('batchNormTrain', [8, 1000], 'grid'),
    spec('fitTemperature', [1000, 10], 'grid'),
    spec('calibrationMetrics', [1000, 10], 'grid'),
    spec('csg', [200, 3], 'grid', 4),
  ];
}

/**
 * The cases of a run: full or quick, narrowed by `filter` — comma-separated texts, a case is kept when its
 * id contains any of them (case-insensitive), e.g. `softmax [8×,batchNorm`.
 */
export function selectCases(quick: boolean, filter?: string): CaseSpec[] {
  const all = quick ? quickCases() : fullCases();
  const parts = (filter ?? '').split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  if (!parts.length) return all;
  return all.filter((c) => parts.some((f) => c.id.toLowerCase().includes(f)));
}
