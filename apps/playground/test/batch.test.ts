import { describe, expect, it } from 'vitest';
import { TStarError } from '@tstar/core';
import { encodeNpy } from '@tstar/node/npy-format';
import { checkBatch, checkLabels, fileKind, parseNumber, readBatchFile, type InputSpec } from '../src/batch.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a TStarError').toBeInstanceOf(TStarError);
  expect((caught as TStarError).code).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}

describe('readBatchFile', () => {
  it('reads a float32 .npy as inputs and an int32/int64 .npy as labels, values unchanged', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5);
    const inputs = readBatchFile(encodeNpy(x, [4, 3]), 'x.npy').inputs!;
    expect(inputs.shape).toEqual([4, 3]);
    expect(Array.from(inputs.data)).toEqual(Array.from(x));
    expect(Array.from(readBatchFile(encodeNpy(Int32Array.from([2, 0, 1]), [3]), 'y.npy').labels!)).toEqual([2, 0, 1]);
    expect(Array.from(readBatchFile(encodeNpy(BigInt64Array.from([4n, 1n]), [2]), 'y.npy').labels!)).toEqual([4, 1]);
  });

  it('rounds a float64 .npy to float32 (what the model takes)', () => {
    const x = Float64Array.from([0.1, 1 / 3, -2.5e-8, 1e6 + 0.3]);
    const inputs = readBatchFile(encodeNpy(x, [2, 2]), 'x.npy').inputs!;
    expect(Array.from(inputs.data)).toEqual(Array.from(Float32Array.from(x)));
  });

  it('reads JSON { inputs, labels }, a bare nested array, and a flat array named like labels', () => {
    const both = readBatchFile(json({ inputs: [[1, 2], [3, 4.5]], labels: [1, 0] }), 'batch.json');
    expect(both.inputs!.shape).toEqual([2, 2]);
    expect(Array.from(both.inputs!.data)).toEqual([1, 2, 3, 4.5]);
    expect(Array.from(both.labels!)).toEqual([1, 0]);
    const image = readBatchFile(json([[[1, 2, 3]], [[4, 5, 6]]]), 'x.json').inputs!;
    expect(image.shape).toEqual([2, 1, 3]);
    expect(Array.from(readBatchFile(json([3, 1, 2]), 'my-labels.json').labels!)).toEqual([3, 1, 2]);
  });

  it('names the file and the place of ragged arrays, non-numbers and non-integer labels', () => {
    expectCode(() => readBatchFile(json({ inputs: [[1, 2], [3]] }), 'b.json'), 'E_SHAPE', /b\.json: inputs\[1\] should be an array of 2/);
    expectCode(() => readBatchFile(json({ inputs: [[1, 'x']] }), 'b.json'), 'E_DTYPE', /b\.json: inputs\[0\]\[1\] is "x"/);
    expectCode(() => readBatchFile(json({ labels: [0, 1.5] }), 'b.json'), 'E_LABEL', /label 1\.5 at row 1/);
    expectCode(() => readBatchFile(json({ labels: [[0], [1]] }), 'b.json'), 'E_SHAPE', /flat array/);
    expectCode(() => readBatchFile(encodeNpy(new Float32Array(3), [3]), 'labels.npy'), 'E_LABEL', /must be integers/);
    expectCode(() => readBatchFile(encodeNpy(new Int32Array(4), [2, 2]), 'y.npy'), 'E_SHAPE', /1-D/);
  });

  it('rejects bytes that are neither .npy nor JSON, and JSON of another shape', () => {
    expectCode(() => readBatchFile(new TextEncoder().encode('not json'), 'b.json'), 'E_ARGUMENT', /b\.json: not valid JSON/);
    expectCode(() => readBatchFile(new TextEncoder().encode('plain text'), 'b.npy'), 'E_ARGUMENT', /not an \.npy file/);
    expectCode(() => readBatchFile(json({ rows: [] }), 'b.json'), 'E_ARGUMENT', /expected \{ "inputs"/);
  });
});

describe('checkBatch', () => {
  const input: InputSpec = { name: 'x', type: 'float32', dims: ['batch', 6] };
  const batch = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

  it('accepts any row count under a symbolic first dimension, and undeclared shapes', () => {
    expect(() => checkBatch(input, batch([365, 6]), 'x.npy')).not.toThrow();
    expect(() => checkBatch({ name: 'x', type: undefined, dims: undefined }, batch([2, 9]), 'x.npy')).not.toThrow();
  });

  it('names the input, both shapes and the dimension that differs', () => {
    expectCode(() => checkBatch(input, batch([10, 4]), 'x.npy'), 'E_SHAPE', /x\.npy: the model's input 'x' takes \[rows, 6\], but the file holds \[10, 4\] \(dimension 1 is 4, not 6\)/);
    expectCode(() => checkBatch(input, batch([10, 2, 3]), 'x.npy'), 'E_SHAPE', /takes 2-D data \[rows, 6\], but the file holds 3-D data \[10, 2, 3\]/);
    expectCode(() => checkBatch(input, batch([0, 6]), 'x.npy'), 'E_EMPTY', /no rows/);
  });
});

describe('checkLabels', () => {
  it('takes one label per row within [0, classes)', () => {
    expect(() => checkLabels(Int32Array.from([0, 4, 2]), 3, 5, 'y.npy')).not.toThrow();
  });

  it('names the row and the class count of a label out of range, and a count mismatch', () => {
    expectCode(() => checkLabels(Int32Array.from([0, 7, 1]), 3, 5, 'y.npy'), 'E_LABEL', /y\.npy: label 7 at row 1 is outside the model's 5 classes \(0 … 4\)/);
    expectCode(() => checkLabels(Int32Array.from([-1]), 1, 2, 'y.npy'), 'E_LABEL', /label -1 at row 0/);
    expectCode(() => checkLabels(Int32Array.from([0, 1]), 3, 5, 'y.npy'), 'E_SHAPE', /2 labels for 3 rows/);
  });
});

describe('fileKind and parseNumber', () => {
  it('sorts dropped files by extension, case-insensitively', () => {
    expect(['m.ONNX', 'x.npy', 'b.Json', 'notes.txt'].map(fileKind)).toEqual(['model', 'data', 'data', 'unknown']);
  });

  it('reads plain decimal numbers and refuses anything else', () => {
    expect(['6.876', ' 2 ', '1e-1', '.5'].map(parseNumber)).toEqual([6.876, 2, 0.1, 0.5]);
    expect(['', 'abc', '1,5', '0x10', 'Infinity'].map(parseNumber)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
