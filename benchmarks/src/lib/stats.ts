/** Order statistics of one contender's per-call times, in microseconds. */
export interface Summary {
  /** Timed samples behind the numbers. */
  samples: number;
  /** Calls folded into each sample (tiny ops are timed in batches and divided). */
  callsPerSample: number;
  median: number;
  min: number;
  p10: number;
  p90: number;
  max: number;
}

/** Linear-interpolated quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, extremes and 10th/90th percentiles of per-call times (µs). */
export function summarize(samplesUs: readonly number[], callsPerSample: number): Summary {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    callsPerSample,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
