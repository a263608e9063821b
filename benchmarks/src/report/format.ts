// Number formatting shared by the markdown report and the console summary.

/** A time in µs with three significant digits in a readable unit. */
export function formatTime(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '—';
  if (us >= 1e6) return `${(us / 1e6).toPrecision(3)} s`;
  if (us >= 1e3) return `${(us / 1e3).toPrecision(3)} ms`;
  return `${us.toPrecision(3)} µs`;
}

export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function formatBytes(b: number): string {
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}

export const formatMs = (ms: number | undefined): string => (ms === undefined ? '—' : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
