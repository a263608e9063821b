// Generated and end-to-end cases for issue 21's CLI classes: bounded size options, one-line errors for
// unwritable outputs and hostile inputs, options read the way people type them, bench outside the repository,
// a spinner that moves during a long fit, and calibrate's report.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '@tstar/node';
import { main } from '../src/main.js';
import { LIMITS } from '../src/command.js';
import { parseXml, walk } from '../../../packages/node/test/xml.js';
import { tempDir, tstar, writeDataset } from './helpers.js';

let dir: string;
let files: ReturnType<typeof writeDataset>;
beforeAll(() => {
  dir = tempDir();
  files = writeDataset(dir, 600, 8);
});

/** One line on stderr, no stack frame, nothing on stdout, the given exit code. */
function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

/** Runs the CLI in this process (for many generated cases); resolves to its exit code and output. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('size options are bounded', () => {
  const sized: [string, string, number][] = [
    ['calibrate', 'steps', LIMITS.steps],
    ['calibrate', 'bin-count', LIMITS.binCount],
    ['eval', 'bin-count', LIMITS.binCount],
    ['fit', 'max-evaluations', LIMITS.maxEvaluations],
    ['fit', 'workers', LIMITS.workers],
    ['csg', 'k', LIMITS.k],
    ['csg', 'samples-per-class', LIMITS.samplesPerClass],
    ['csg', 'run-count', LIMITS.runCount],
    ['csg', 'embedding-dim', LIMITS.embeddingDim],
  ];
  it.each(sized)('%s --%s above its bound is a one-line usage error, decided before any work', async (command, option, bound) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: bound + 1, max: 2 ** 53 - 1 }), fc.constantFrom(1e9, 1e12, bound + 1)), async (value) => {
        const input = command === 'csg' ? ['--features', files.logits] : ['--logits', files.logits];
        const r = await inProcess([command, ...input, '--labels', files.labels, `--${option}`, String(value)]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^tstar ${command}: --${option} must be ≤ ${bound}, got`));
      }),
      { numRuns: 5 },
    );
  });
  it('calibrate --steps 1e9 ends at once with exit 2 in a real process (it used to run out of memory)', () => {
    expectOneLine(tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--steps', '1e9', '--out-dir', join(dir, 'r')], undefined, { timeoutMs: 60_000 }), 2, /--steps must be ≤ 10000/);
  });
});

describe('options are read the way people type them', () => {
  it('takes a negative number after an option as its value, the same as --name=-1', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: -5, max: -0.001, noNaN: true }), async (gamma) => {
        const text = String(gamma);
        const spaced = await inProcess(['estimate', '--feature-dim', '512', '--csg', '2', '--gamma', text, '--json']);
        const joined = await inProcess(['estimate', '--feature-dim', '512', '--csg', '2', `--gamma=${text}`, '--json']);
        expect(spaced.code, spaced.stderr).toBe(0);
        expect(spaced.stdout).toBe(joined.stdout);
        expect(JSON.parse(spaced.stdout).csgTerm).toBeCloseTo(gamma * Math.log(2), 12);
      }),
      { numRuns: 10 },
    );
  });
  it('accepts plain decimals and refuses hex, binary, octal, padded, underscored and trailing-junk numbers', async () => {
    const good = fc.integer({ min: 1, max: 100_000 }).chain((m) => fc.constantFrom(String(m), `${m}.0`, `+${m}`, `${m}e0`, (m / 10).toExponential().replace(/e\+?(-?\d+)/, (_, e) => `e${Number(e) + 1}`)).map((text) => ({ m, text })));
    await fc.assert(
      fc.asyncProperty(good, async ({ m, text }) => {
        const r = await inProcess(['estimate', '--feature-dim', text, '--json']);
        expect(r.code, `${text}: ${r.stderr}`).toBe(0);
        expect(JSON.parse(r.stdout).featureDim ?? m).toBe(m);
      }),
      { numRuns: 20 },
    );
    const bad = fc.integer({ min: 1, max: 4096 }).chain((m) => fc.constantFrom(`0x${m.toString(16)}`, `0b${m.toString(2)}`, `0o${m.toString(8)}`, ` ${m} `, `${m} `, `1_${m}`, `${m}abc`, `${m},0`, ''));
    await fc.assert(
      fc.asyncProperty(bad, async (text) => {
        const r = await inProcess(['estimate', '--feature-dim', text]);
        expect(r.code, JSON.stringify(text)).toBe(2);
        expect(r.stderr).toMatch(/^tstar estimate: (--feature-dim must be|missing --feature-dim)/);
      }),
      { numRuns: 30 },
    );
  });
  it('refuses an option given twice instead of letting the last one win', async () => {
    for (const argv of [
      ['estimate', '--feature-dim', '512', '--feature-dim', '768'],
      ['estimate', '--feature-dim=512', '--feature-dim', '512'],
      ['fit', '--logits', files.logits, '--labels', files.labels, '--labels', files.labels],
      ['estimate', '--feature-dim', '512', '--json', '--json'],
    ]) {
      const r = await inProcess(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/is given 2 times; give it once/);
    }
  });
});

describe('one line for every failure, never a stack trace', () => {
  it('names an unwritable --out, --svg or --out-dir (exit 1), and --out-dir under /proc does not hang', () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const data = ['--logits', files.logits, '--labels', files.labels];
    expectOneLine(tstar(['fit', ...data, '--out', '/proc/nope/fit.json']), 1, /^tstar fit: \/proc\/nope\/fit\.json: cannot write \(no such file or directory\)$/);
    expectOneLine(tstar(['fit', ...data, '--out', join(dir, 'plain-file', 'fit.json')]), 1, /plain-file\/fit\.json: cannot write \(a part of the path is not a directory\)$/);
    expectOneLine(tstar(['fit', ...data, '--out', dir]), 1, /cannot write \(is a directory, expected a file\)$/);
    expectOneLine(tstar(['eval', ...data, '--svg', '/nonexistent-dir/r.svg']), 1, /^tstar eval: \/nonexistent-dir\/r\.svg: cannot write/);
    expectOneLine(tstar(['calibrate', ...data, '--out-dir', '/proc/nope/report'], undefined, { timeoutMs: 60_000 }), 1, /^tstar calibrate: \/proc\/nope\/report: cannot create a directory/);
    expectOneLine(tstar(['calibrate', ...data, '--out-dir', join(dir, 'plain-file', 'r')], undefined, { timeoutMs: 60_000 }), 1, /cannot create a directory/);
  });
  it('reads JSON nested 5,000 deep as a one-line shape error', () => {
    writeFileSync(join(dir, 'deep.json'), `${'['.repeat(5000)}1${']'.repeat(5000)}`);
    expectOneLine(tstar(['fit', '--logits', join(dir, 'deep.json'), '--labels', files.labels]), 1, /deep\.json: arrays are nested more than 64 deep$/);
  });
});

describe('tstar bench outside the repository', () => {
  it('says in one line that the suite ships with the repository', () => {
    // An installed CLI: its bin and dist in a folder with no benchmarks/ above it, run from another such folder.
    const app = fileURLToPath(new URL('..', import.meta.url));
    const installed = join(tempDir(), 'tstar-cli');
    mkdirSync(installed);
    cpSync(join(app, 'bin'), join(installed, 'bin'), { recursive: true });
    cpSync(join(app, 'dist'), join(installed, 'dist'), { recursive: true });
    cpSync(join(app, 'package.json'), join(installed, 'package.json'));
    symlinkSync(join(app, '..', '..', 'node_modules'), join(installed, 'node_modules'));
    const r = tstar(['bench'], tempDir(), { bin: join(installed, 'bin', 'tstar.js') });
    expectOneLine(r, 1, /^tstar bench: the benchmark suite \(benchmarks\/src\/bench\.ts\) ships with the tstar repository, not with an installed CLI/);
  });
});

describe.skipIf(!existsSync('/usr/bin/script'))('progress during a long single-thread fit', () => {
  it('redraws the spinner at each objective evaluation (a terminal, via script(1))', () => {
    const big = writeDataset(dir, 1100, 1000, 7);
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(fileURLToPath(new URL('../bin/tstar.js', import.meta.url)))} fit --logits ${JSON.stringify(big.logits)} --labels ${JSON.stringify(big.labels)} --json`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TSTAR_PROGRESS_AFTER_MS: '0' } });
    expect(r.status, r.stdout).toBe(0);
    const steps = [...r.stdout.matchAll(/fitting T, evaluation \((\d+)\)/g)].map((m) => Number(m[1]));
    const result = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')).replace(/\r/g, ''));
    expect(new Set(steps).size).toBe(result.evaluations);
    expect(result.evaluations).toBeGreaterThan(2);
  });
});

describe('tstar calibrate report', () => {
  it('shows the T = 1 "before" diagram, and says when T̂* was clipped', () => {
    const out = join(dir, 'clipped');
    const r = tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--feature-dim', '16', '--out-dir', out, '--steps', '5']);
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/!\[reliability before, at T = 1\]\(reliability-t1\.svg\)/);
    expect(md).toMatch(/T̂\* was clipped: the rule gives -1\.81\d* for M = 16, outside \[1, ∞\], so 1 is the clip bound/);
    expect(r.stdout).toMatch(/note: T̂\* was clipped/);
    const t1 = walk(parseXml(readFileSync(join(out, 'reliability-t1.svg'), 'utf8')));
    expect(t1.filter((e) => e.attrs.class === 'count').reduce((s, e) => s + Number(e.attrs['data-count']), 0)).toBe(600);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.notes.some((n: string) => n.startsWith('T̂* was clipped'))).toBe(true);
  });
});
