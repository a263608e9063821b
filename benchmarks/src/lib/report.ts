import os from 'node:os';

/** Where and how a run happened; absolute times only compare within one of these. */
export interface Machine {
  cpu: string;
  cores: number;
  /** 1-minute load average at the start and end of the run: other work on the machine. */
  loadAverage: { start: number; end?: number };
  platform: string;
  node: string;
  date: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: { start: Number(os.loadavg()[0].toFixed(2)) },
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** A time in µs shown with three significant digits in a readable unit. */
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

export function formatError(e: number | undefined): string {
  if (e === undefined) return '—';
  if (e === 0) return '0';
  return e.toExponential(1);
}

export function formatBytes(b: number): string {
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}

export const formatMs = (ms: number | undefined): string => (ms === undefined ? '—' : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
