import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, start, waitForHttp } from './helpers.js';

/** Processes whose command line mentions `marker` (read from /proc; Linux). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('npm run start:workerd', () => {
  it.skipIf(process.platform !== 'linux')('takes workerd down with it when npm is stopped (no orphaned server)', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const marker = `http=127.0.0.1:${ports[0]}`;
    const npm = start('npm', ['run', '--silent', 'start:workerd', '--', '--socket-addr', marker, '--socket-addr', `smoke=127.0.0.1:${ports[1]}`, '--socket-addr', `deadline=127.0.0.1:${ports[2]}`]);
    try {
      await waitForHttp(`http://127.0.0.1:${ports[0]}/`, npm);
      expect(processesWith(marker).length).toBeGreaterThan(0);
      npm.process.kill('SIGTERM');
      expect(await until(() => processesWith(marker).length === 0, 10_000), `still running: ${processesWith(marker).join(', ')}`).toBe(true);
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
      await npm.stop();
    }
  });
});
