/**
 * Every export of tstar.wasm (assembly/index.ts), typed once. Pointers are byte offsets into `memory`;
 * kernels returning a number return a status (assembly/status.ts) unless noted.
 */
export interface TStarExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  /** Row (or element) index where the last failing kernel stopped. */
  errorIndex(): number;
  /** For a row failing with E_RANGE: its max − min over finite entries. */
  errorRange(): number;
  /** 1 in the relaxed-SIMD build (tstar-relaxed.wasm), 0 in the plain one. */
  RELAXED_SIMD: WebAssembly.Global | number;
  /** `fast` = 1 for the f32-reduced exp, else the accurate one. */
  expElementwise(x: number, y: number, n: number, fast?: number): void;
  softmax(x: number, y: number, rows: number, cols: number, invT: number, fast?: number): number;
  logSoftmax(x: number, y: number, rows: number, cols: number, invT: number, fast?: number): number;
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number, invT: number): number;
  crossEntropyLabels(
    x: number, rows: number, cols: number, invT: number, labels: number, weights: number, smoothing: number,
    ignoreIndex: number, loss: number, g: number, gScale: number, rowScale: number, dT: number, fast?: number,
  ): number;
  crossEntropySoft(
    x: number, rows: number, cols: number, invT: number, targets: number, weights: number, smoothing: number,
    loss: number, g: number, gScale: number, rowScale: number, dT: number, fast?: number,
  ): number;
  csgNeighbours(
    xt: number, n: number, d: number, stride: number, queries: number, nq: number, k: number,
    dist: number, best: number, nbr: number, logV: number, logFloor: number,
  ): number;
  csgProject(x: number, n: number, d: number, q: number, b: number, y: number): void;
  csgProjectBack(x: number, n: number, d: number, y: number, b: number, z: number): void;
  /** Returns the sweeps used, or −1 when it did not converge. */
  csgJacobi(a: number, n: number, v: number, maxSweeps: number): number;
  temperatureObjective(x: number, labels: number, rows: number, cols: number, invT: number, out: number): number;
  sigmoidTemperatureObjective(z: number, targets: number, rows: number, cols: number, invT: number, out: number): number;
  metricsLogits(x: number, labels: number, rows: number, cols: number, invT: number, confClass: number, conf: number, correct: number, sums: number): number;
  metricsProbabilities(p: number, labels: number, rows: number, cols: number, tol: number, confClass: number, conf: number, correct: number, sums: number): number;
  metricsLogProbabilities(p: number, out: number, rows: number, cols: number, tol: number, floor: number, sigmoid: number, sums: number): number;
  metricsSigmoid(
    z: number, targets: number, rows: number, cols: number, probabilities: number, scale: number, bias: number, positive: number,
    conf: number, correct: number, sums: number, stats: number, edges: number, binCount: number, lowerClosed: number,
  ): number;
  metricsClasswise(x: number, labels: number, rows: number, cols: number, invT: number, probabilities: number, edges: number, binCount: number, lowerClosed: number, scratch: number, stats: number): void;
  metricsBins(conf: number, correct: number, n: number, edges: number, binCount: number, lowerClosed: number, out: number): void;
  metricsMassEdges(conf: number, n: number, binCount: number, edges: number): void;
  metricsResample(
    conf: number, correct: number, n: number, edges: number, binCount: number, equalMass: number, lowerClosed: number,
    replicates: number, seed: number, simulate: number, counts: number, bins: number, ece: number, acc: number,
  ): void;
  vectorScalingObjective(x: number, labels: number, rows: number, cols: number, w: number, b: number, scratch: number, grad: number, out: number): number;
  plattObjective(z: number, labels: number, n: number, a: number, b: number, tPos: number, tNeg: number, out: number): number;
  batchNormApply(x: number, y: number, n: number, m: number, mean: number, scale: number, shift: number): number;
  batchNormStats(x: number, n: number, m: number, mean: number, variance: number): number;
  batchNormBackward(dy: number, x: number, dx: number, n: number, m: number, mean: number, invStd: number, gamma: number, dGamma: number, dBeta: number): number;
}
