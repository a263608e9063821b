/** A progress indicator on a terminal: silent unless the stream is a TTY and the work has run past a threshold. */
export interface Progress {
  /** Reports `done` of `total` (a bar), or a spinner when total is omitted (showing `done`, a step count, if given). */
  update(done?: number, total?: number): void;
  /** Clears the line. */
  finish(): void;
}

export interface ProgressOptions {
  stream?: { isTTY?: boolean; write(text: string): unknown; columns?: number };
  /** Milliseconds before anything is drawn. Default 1000, or the environment's TSTAR_PROGRESS_AFTER_MS. */
  threshold?: number;
  now?: () => number;
  /** Redraw the spinner on a timer, for work running off the main thread. Default true. */
  timer?: boolean;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Starts a progress indicator for `label` on stderr. Nothing is drawn when stderr is not a terminal (pipes,
 * CI logs) or when the work finishes within the threshold, so short commands print only their result.
 */
export function progress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const threshold = options.threshold ?? (Number(process.env.TSTAR_PROGRESS_AFTER_MS) >= 0 ? Number(process.env.TSTAR_PROGRESS_AFTER_MS) : 1000);
  const now = options.now ?? Date.now;
  const start = now();
  const enabled = stream.isTTY === true;
  let done: number | undefined;
  let total: number | undefined;
  let drawn = false;
  let lastDraw = 0;
  let frame = 0;

  function draw(force = false): void {
    const t = now();
    if (!enabled || t - start < threshold || (!force && t - lastDraw < 100)) return;
    lastDraw = t;
    const seconds = `${((t - start) / 1000).toFixed(1)} s`;
    let text: string;
    if (total !== undefined && total > 0 && done !== undefined) {
      const f = Math.min(1, done / total);
      const w = 24;
      const full = Math.round(f * w);
      text = `${label} [${'█'.repeat(full)}${'░'.repeat(w - full)}] ${Math.round(f * 100)} % ${seconds}`;
    } else {
      text = `${SPIN[frame++ % SPIN.length]} ${label}${done !== undefined ? ` (${done})` : ''} ${seconds}`;
    }
    stream.write(`\r\x1b[K${text}`);
    drawn = true;
  }

  const timer = enabled && options.timer !== false ? setInterval(() => draw(), 100) : undefined;
  timer?.unref();
  return {
    update(d, n) {
      // A new step count is news: draw it now, whatever the redraw rate limit says.
      const changed = d !== undefined && d !== done && n === undefined && total === undefined;
      done = d;
      if (n !== undefined) total = n;
      draw(changed);
    },
    finish() {
      if (timer) clearInterval(timer);
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
