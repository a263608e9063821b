import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '@tstar/node';
import { parseXml, walk } from '../../../packages/node/test/xml.js';
import { dict, leBytes, npyBytes } from '../../../packages/node/test/fixtures.js';
import { tempDir, tstar, writeDataset } from './helpers.js';

let dir: string;
let files: ReturnType<typeof writeDataset>;
beforeAll(() => {
  dir = tempDir();
  files = writeDataset(dir, 3000, 10);
});

function json(args: string[]): Record<string, unknown> {
  const r = tstar([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('tstar estimate', () => {
  it('prints T̂* for M = 512 as a table, exit 0, nothing on stderr', () => {
    const r = tstar(['estimate', '--feature-dim', '512', '--num-classes', '100']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^T̂\* = 11\.67 {2}\(M = 512, 100 classes\)/);
    expect(r.stdout).toMatch(/temperature T̂\* +11\.674/);
  });
  it('gives the published-rule values as JSON (M = 768 → 15.35, 2048 → 28.05)', () => {
    expect(json(['estimate', '--feature-dim', '768']).temperature).toBeCloseTo(15.355, 3);
    expect(json(['estimate', '--feature-dim', '2048']).temperature).toBeCloseTo(28.054, 3);
  });
  it('uses the class and CSG terms only with their coefficients, and clips at the floor', () => {
    const t = json(['estimate', '--feature-dim', '512', '--num-classes', '100', '--delta', '0.5', '--csg', '2', '--gamma=-1']);
    expect(t.temperature).toBeCloseTo(0.7239 * Math.sqrt(512) - 4.706 + 0.5 * Math.log(100) - Math.log(2), 9);
    const low = json(['estimate', '--feature-dim', '16']);
    expect(low.temperature).toBe(1);
    expect(low.clipped).toBe(true);
  });
});

describe('tstar fit', () => {
  it('reads .npy (f4 logits, i4 labels) and recovers a temperature that lowers the NLL', () => {
    const r = json(['fit', '--logits', files.logits, '--labels', files.labels]);
    expect(r.rows).toBe(3000);
    expect(r.converged).toBe(true);
    expect(r.nllAfter as number).toBeLessThan(r.nllBefore as number);
    expect(r.eceAfter as number).toBeLessThan(r.eceBefore as number);
  });
  it('gives the same T from .npy v1/v2/v3 (f4, f8; i8, u1 labels), JSON and CSV', () => {
    const { logits, labels } = files.data;
    const f8 = Array.from(logits);
    writeFileSync(join(dir, 'v2.npy'), npyBytes(2, dict('<f8', '(3000, 10)'), leBytes('f8', f8)));
    writeFileSync(join(dir, 'v3.npy'), npyBytes(3, dict('<f4', '(3000, 10)'), leBytes('f4', f8)));
    writeFileSync(join(dir, 'y8.npy'), npyBytes(1, dict('<i8', '(3000,)'), leBytes('i8', Array.from(labels))));
    writeFileSync(join(dir, 'yu1.npy'), npyBytes(3, dict('|u1', '(3000,)'), leBytes('u1', Array.from(labels))));
    const rows: number[][] = [];
    for (let i = 0; i < 3000; i++) rows.push(f8.slice(i * 10, i * 10 + 10));
    writeFileSync(join(dir, 'l.json'), JSON.stringify(rows));
    writeFileSync(join(dir, 'y.json'), JSON.stringify({ data: Array.from(labels), shape: [3000] }));
    writeFileSync(join(dir, 'l.csv'), `${Array.from({ length: 10 }, (_, j) => `c${j}`).join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    writeFileSync(join(dir, 'y.csv'), `${Array.from(labels).join('\n')}\n`);
    const want = json(['fit', '--logits', files.logits, '--labels', files.labels]).temperature;
    for (const [l, y] of [['v2.npy', 'y8.npy'], ['v3.npy', 'yu1.npy'], ['l.json', 'y.json'], ['l.csv', 'y.csv']]) {
      expect(json(['fit', '--logits', join(dir, l), '--labels', join(dir, y)]).temperature, `${l} + ${y}`).toBe(want);
    }
  });
  it('gives the same T, bit for bit, on 1 and 2 workers (fixed reduction chunks) and within 1e-9 of this thread', () => {
    const args = ['fit', '--logits', files.logits, '--labels', files.labels];
    const one = json([...args, '--workers', '1']).temperature as number;
    expect(json([...args, '--workers', '2']).temperature).toBe(one);
    expect(Math.abs(one - (json([...args, '--workers', '0']).temperature as number))).toBeLessThan(1e-9 * one);
  });
  it('writes --out and prints a human table by default', () => {
    const out = join(dir, 'fit.json');
    const r = tstar(['fit', '--logits', files.logits, '--labels', files.labels, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^T = [\d.]+ {2}\(3000 rows × 10 classes\)/);
    expect(r.stdout).toMatch(/NLL +[\d.]+ → [\d.]+/);
    expect(JSON.parse(readFileSync(out, 'utf8')).temperature).toBeGreaterThan(0);
  });
});

describe('tstar eval', () => {
  it('writes a well-formed reliability SVG whose bars match the reported bins', () => {
    const svg = join(dir, 'rel.svg');
    const r = json(['eval', '--logits', files.logits, '--labels', files.labels, '--temperature', 'fit', '--bin-count', '12', '--svg', svg]);
    expect(r.source).toBe('fit');
    const bins = r.bins as { count: number; accuracy: number; confidence: number }[];
    expect(bins).toHaveLength(12);
    const root = parseXml(readFileSync(svg, 'utf8'));
    const bars = walk(root).filter((e) => e.attrs.class === 'bar');
    const nonEmpty = bins.filter((b) => b.count > 0);
    expect(bars).toHaveLength(nonEmpty.length);
    bars.forEach((bar, i) => {
      expect(Number(bar.attrs['data-count'])).toBe(nonEmpty[i].count);
      expect(Number(bar.attrs['data-accuracy'])).toBe(nonEmpty[i].accuracy);
      expect(Number(bar.attrs.height)).toBeCloseTo(nonEmpty[i].accuracy * Number(walk(root).find((e) => e.attrs.class === 'frame')!.attrs.height), 1);
    });
    expect(root.children.find((e) => e.name === 'title')!.text).toContain(`ECE ${((r.ece as number) * 100).toFixed(2)} %`);
  });
  it('takes --temperature auto from --feature-dim, a number, and probabilities', () => {
    expect(json(['eval', '--logits', files.logits, '--labels', files.labels, '--temperature', 'auto', '--feature-dim', '512']).temperature).toBeCloseTo(11.674, 3);
    expect(json(['eval', '--logits', files.logits, '--labels', files.labels, '--temperature', '2.5']).temperature).toBe(2.5);
    const p = join(dir, 'p.npy');
    writeFileSync(p, encodeNpy(new Float32Array([0.9, 0.1, 0.2, 0.8]), [2, 2]));
    writeFileSync(join(dir, 'py.npy'), encodeNpy(new Int32Array([0, 0]), [2]));
    expect(json(['eval', '--logits', p, '--labels', join(dir, 'py.npy'), '--inputs', 'probabilities', '--bin-count', '2']).accuracy).toBe(0.5);
  });
  it('prints metrics and a bins table for people', () => {
    const r = tstar(['eval', '--logits', files.logits, '--labels', files.labels]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ECE [\d.]+ % at T = 1 /);
    expect(r.stdout).toMatch(/confidence +rows +mean conf +accuracy +gap/);
  });
});

describe('tstar calibrate', () => {
  it('writes the report, both reliability SVGs and the sweep SVG, all well-formed', () => {
    const out = join(dir, 'report');
    const r = tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--feature-dim', '256', '--out-dir', out, '--steps', '15']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const f of ['report.md', 'report.json', 'reliability.svg', 'reliability-t1.svg', 'reliability-estimated.svg', 'sweep.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.sweep).toHaveLength(15);
    const sweep = walk(parseXml(readFileSync(join(out, 'sweep.svg'), 'utf8')));
    expect(sweep.find((e) => e.attrs.class === 'mark fitted')!.attrs['data-temperature']).toBe(String(report.fit.temperature));
    expect(sweep.find((e) => e.attrs.class === 'mark estimated')!.attrs['data-temperature']).toBe(String(report.estimate.temperature));
    for (const f of ['reliability.svg', 'reliability-t1.svg', 'reliability-estimated.svg']) {
      const bars = walk(parseXml(readFileSync(join(out, f), 'utf8'))).filter((e) => e.attrs.class === 'bar');
      expect(bars.reduce((s, b) => s + Number(b.attrs['data-count']), 0)).toBe(3000);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| fitted \| [\d.]+ \|/);
  });
});

describe('tstar csg', () => {
  it('is near 0 for separated classes and larger for overlapping ones, deterministic for a seed', () => {
    const make = (gap: number, name: string) => {
      const n = 300, d = 3;
      const x = new Float32Array(n * d), y = new Int32Array(n);
      let s = 3;
      const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i < n; i++) {
        y[i] = i % 3;
        for (let k = 0; k < d; k++) x[i * d + k] = r() + (k === 0 ? gap * y[i] : 0);
      }
      writeFileSync(join(dir, `${name}.npy`), encodeNpy(x, [n, d]));
      writeFileSync(join(dir, `${name}-y.npy`), encodeNpy(y, [n]));
      return ['csg', '--features', join(dir, `${name}.npy`), '--labels', join(dir, `${name}-y.npy`), '--seed', '4'];
    };
    const apart = json(make(10, 'apart')).csg as number;
    const overlapping = make(0.1, 'mixed');
    const mixed = json(overlapping).csg as number;
    expect(apart).toBeLessThan(0.05);
    expect(mixed).toBeGreaterThan(apart + 0.5);
    expect(json(overlapping).csg).toBe(mixed);
  });
});

describe('tstar coefficients', () => {
  it('recovers α and β from a CSV sweep made from them, and reads JSON rows', () => {
    const dims = [64, 128, 256, 512, 1024, 2048];
    const csv = `M,best_T\n${dims.map((m) => `${m},${0.8 * Math.sqrt(m) - 3}`).join('\n')}\n`;
    writeFileSync(join(dir, 'sweep.csv'), csv);
    const c = json(['coefficients', '--sweep', join(dir, 'sweep.csv')]).coefficients as Record<string, number>;
    expect(c.alpha).toBeCloseTo(0.8, 10);
    expect(c.beta).toBeCloseTo(-3, 9);
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(dims.map((m) => ({ featureDim: m, temperature: 0.5 * Math.sqrt(m) + 1 }))));
    expect((json(['coefficients', '--sweep', join(dir, 'sweep.json')]).coefficients as Record<string, number>).alpha).toBeCloseTo(0.5, 10);
  });
});

describe('tstar --help', () => {
  it('has help for every command and an overview', () => {
    for (const c of ['estimate', 'csg', 'fit', 'eval', 'calibrate', 'coefficients', 'bench']) {
      const r = tstar([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^tstar ${c} — .*\\n\\nusage: tstar ${c}`));
    }
    const r = tstar(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/commands:/);
  });
});

describe('bad input', () => {
  // Every case: exit code ≠ 0, exactly one line on stderr that names the file (or option) and the problem, nothing on stdout.
  const cases: [string, () => string[], RegExp, number][] = [];
  const add = (name: string, args: () => string[], message: RegExp, code = 1) => cases.push([name, args, message, code]);
  const fitWith = (logits: string, labels?: string) => ['fit', '--logits', join(dir, logits), '--labels', labels ? join(dir, labels) : files.labels];
  const put = (name: string, bytes: Uint8Array | string) => writeFileSync(join(dir, name), bytes);
  const l4 = (n: number) => leBytes('f4', Array.from({ length: n }, (_, i) => i % 7));

  add('a missing file', () => fitWith('nope.npy'), /^tstar fit: .*nope\.npy: no such file or directory$/);
  add('bad magic', () => (put('magic.npy', 'PK\x03\x04 zip file'), fitWith('magic.npy')), /magic\.npy: not an \.npy file/);
  add('a repeated header key', () => (put('dup.npy', npyBytes(1, "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (3000, 10), }", l4(30000))), fitWith('dup.npy')), /dup\.npy: npy header repeats the key "descr"/);
  add('float64 beyond float32', () => (put('big.npy', encodeNpy(Float64Array.from({ length: 30000 }, (_, i) => (i === 12 ? -1e39 : 1)), [3000, 10])), fitWith('big.npy')), /big\.npy: element \[1, 2\] is -1e\+39, beyond float32's range/);
  add('an object array', () => (put('obj.npy', npyBytes(1, dict('|O', '(3000, 10)'), new Uint8Array(8))), fitWith('obj.npy')), /obj\.npy: object arrays/);
  add('a truncated file', () => (put('cut.npy', npyBytes(1, dict('<f4', '(3000, 10)'), l4(29999))), fitWith('cut.npy')), /cut\.npy: file is truncated/);
  add('an unsupported dtype', () => (put('f2.npy', npyBytes(1, dict('<f2', '(3000, 10)'), new Uint8Array(60000))), fitWith('f2.npy')), /f2\.npy: dtype "<f2" is not supported/);
  add('an unknown extension', () => (put('l.h5', ''), fitWith('l.h5')), /l\.h5: unknown file type '\.h5'/);
  add('a 1-D logits array', () => (put('vec.npy', encodeNpy(new Float32Array(3000), [3000])), fitWith('vec.npy')), /vec\.npy: expected a 2-D array/);
  add('ragged CSV', () => (put('rag.csv', '1,2\n3\n'), fitWith('rag.csv')), /rag\.csv: line 2 has 1 fields, expected 2/);
  add('a word in CSV', () => (put('word.csv', '1,2\n3,abc\n'), fitWith('word.csv')), /word\.csv: line 2, column 2 is "abc", not a decimal number/);
  add('invalid JSON', () => (put('bad.json', '{"data": [1, 2'), fitWith('bad.json')), /bad\.json: invalid JSON/);
  add('ragged JSON', () => (put('rag.json', '[[1, 2], [3]]'), fitWith('rag.json')), /rag\.json: \[1\] is an array of 1, expected 2 entries/);
  add('labels of another length', () => (put('short.npy', encodeNpy(new Int32Array(10), [10])), fitWith('logits-1.npy', 'short.npy')), /short\.npy: 10 labels but .*logits-1\.npy has 3000 rows/);
  add('a label out of range', () => {
    const y = files.data.labels.slice();
    y[17] = 10;
    put('y-range.npy', encodeNpy(y, [3000]));
    return fitWith('logits-1.npy', 'y-range.npy');
  }, /y-range\.npy: label 17 is 10, outside \[0, 10\)/);
  add('a negative label', () => (put('y-neg.json', JSON.stringify([-1, ...Array(2999).fill(0)])), fitWith('logits-1.npy', 'y-neg.json')), /y-neg\.json: label 0 is -1/);
  add('one-hot labels', () => (put('y-oh.npy', encodeNpy(new Float32Array(30000), [3000, 10])), fitWith('logits-1.npy', 'y-oh.npy')), /y-oh\.npy: labels must be a 1-D array.*one-hot/);
  add('NaN logits', () => {
    const x = files.data.logits.slice();
    x[55] = NaN;
    put('nan.npy', encodeNpy(x, [3000, 10]));
    return fitWith('nan.npy');
  }, /row 5 holds NaN/);
  add('an unknown option', () => ['fit', '--logit', 'x.npy'], /^tstar fit: unknown option '--logit' \(see tstar fit --help\)$/, 2);
  add('a missing required option', () => ['fit', '--logits', files.logits], /^tstar fit: missing --labels/, 2);
  add('a bad number', () => ['estimate', '--feature-dim', '12.5'], /--feature-dim must be an integer, got '12\.5'/, 2);
  add('an unknown command', () => ['tune'], /^tstar: unknown command 'tune'/, 2);
  add('auto without --feature-dim', () => ['eval', '--logits', files.logits, '--labels', files.labels, '--temperature', 'auto'], /--temperature auto needs --feature-dim/, 2);
  add('a sweep CSV without the needed columns', () => (put('sw.csv', 'a,b\n1,2\n3,4\n'), ['coefficients', '--sweep', join(dir, 'sw.csv')]), /sw\.csv: needs a header with a feature-dimension column/);
  add('a degenerate sweep', () => (put('same.csv', 'M,T\n64,2\n64,3\n'), ['coefficients', '--sweep', join(dir, 'same.csv')]), /same\.csv: fitCoefficients/);
  add('CSG with a class too small for k', () => {
    put('cf.npy', encodeNpy(new Float32Array(20).map((_, i) => i), [10, 2]));
    put('cy.npy', encodeNpy(new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), [10]));
    return ['csg', '--features', join(dir, 'cf.npy'), '--labels', join(dir, 'cy.npy')];
  }, /cf\.npy: .*class 1/);

  for (const [name, args, message, code] of cases) {
    it(`${name}: exit ${code}, one clear line`, () => {
      const r = tstar(args());
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }
});
