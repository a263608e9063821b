import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TStarError } from '@tstar/core';
import { clip } from './npy-format.js';
import { fsProblem } from './npy.js';

/** A numeric table: row-major Float64 data, `[rows, cols]`, and the header's column names when there was one. */
export interface CsvTable {
  data: Float64Array;
  shape: [number, number];
  dtype: 'f8';
  columns?: string[];
}

export interface CsvReadOptions {
  /** `true`: the first line is a header; `false`: it is data; default: a header when every field is text (no number). */
  header?: boolean;
  /** Field separator; default: tab when the first line has a tab and no comma, else comma. */
  delimiter?: string;
  /** Called as bytes are consumed (streaming reads only). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

// numpy.savetxt and pandas write nan/inf in these spellings; the core rejects them later with E_NONFINITE.
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f;
}

// Decimal only: Number() would also read 0x1f, 0b11 and 0o7, which no CSV writer means as numbers.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(field: string): number | undefined {
  const f = unquote(field);
  const lower = f.toLowerCase();
  if (Object.hasOwn(SPECIAL, lower)) return SPECIAL[lower];
  return DECIMAL.test(f) ? Number(f) : undefined;
}

/** Accumulates rows into a growing Float64Array and checks that every row has the same width. */
class TableBuilder {
  private data = new Float64Array(1024);
  private length = 0;
  private cols = -1;
  private rows = 0;
  private line = 0;
  private delimiter: string | undefined;
  columns: string[] | undefined;

  constructor(private readonly name: string, private readonly options: CsvReadOptions) {
    this.delimiter = options.delimiter;
  }

  push(text: string): void {
    this.line++;
    const raw = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (raw.trim() === '') return;
    this.delimiter ??= raw.includes('\t') && !raw.includes(',') ? '\t' : ',';
    const fields = raw.split(this.delimiter);
    if (this.cols < 0 && this.columns === undefined) {
      const numeric = fields.map((f) => toNumber(f) !== undefined);
      // A header is all text. A first line that mixes text and numbers is a typo in data or a header with a
      // numeric name: either way guessing loses a row or a name, so it is refused unless `header` says.
      if (this.options.header === undefined && numeric.some(Boolean) && !numeric.every(Boolean)) {
        const k = numeric.findIndex((n) => !n);
        throw new TStarError('E_DTYPE', `${this.name}: line ${this.line} mixes numbers and text (column ${k + 1} is ${clip(unquote(fields[k]))}): fix the value, or say whether line 1 is a header (header: true | false)`);
      }
      if (this.options.header ?? !numeric.some(Boolean)) {
        this.columns = fields.map(unquote);
        this.cols = fields.length;
        return;
      }
    }
    if (this.cols < 0) this.cols = fields.length;
    if (fields.length !== this.cols) {
      throw new TStarError('E_SHAPE', `${this.name}: line ${this.line} has ${fields.length} fields, expected ${this.cols}`);
    }
    if (this.length + fields.length > this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, this.length + fields.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let k = 0; k < fields.length; k++) {
      const n = toNumber(fields[k]);
      if (n === undefined) {
        const what = fields[k].trim() === '' ? 'is empty' : `is ${clip(unquote(fields[k]))}, not a decimal number`;
        throw new TStarError('E_DTYPE', `${this.name}: line ${this.line}, column ${k + 1} ${what}`);
      }
      if (n === Infinity || n === -Infinity) {
        const text = unquote(fields[k]);
        if (!/inf/i.test(text)) throw new TStarError('E_NONFINITE', `${this.name}: line ${this.line}, column ${k + 1} is ${clip(text)}, beyond float64's range`);
      }
      this.data[this.length++] = n;
    }
    this.rows++;
  }

  finish(): CsvTable {
    if (this.rows === 0) throw new TStarError('E_EMPTY', `${this.name}: no data rows`);
    const table: CsvTable = { data: this.data.slice(0, this.length), shape: [this.rows, this.cols], dtype: 'f8' };
    if (this.columns) table.columns = this.columns;
    return table;
  }
}

/**
 * Parses CSV text of decimal numbers (comma or tab separated, optional header, `nan`/`inf` spellings accepted;
 * no hex, octal or binary). The first line is a header when all its fields are text; a first line mixing
 * numbers and text is refused unless `header` decides.
 * Quoted fields are unquoted; a delimiter inside quotes is not supported.
 * @throws {TStarError} E_SHAPE (ragged rows), E_DTYPE (a field that is not a decimal number, a first line mixing
 *   numbers and text), E_EMPTY (no data rows)
 * @example parseCsv('a,b\n1,2\n3,4\n') // { shape: [2, 2], columns: ['a', 'b'], ... }
 */
export function parseCsv(text: string, name = 'csv', options: CsvReadOptions = {}): CsvTable {
  const table = new TableBuilder(name, options);
  for (const line of text.split('\n')) table.push(line);
  return table.finish();
}

/**
 * Streams a CSV file line by line (node:readline), so a file larger than a string can be read;
 * memory holds only the parsed numbers.
 * @throws {TStarError} as {@link parseCsv}; E_ARGUMENT when the file cannot be read
 * @example const { data, shape, columns } = await readCsv('sweep.csv');
 */
export async function readCsv(path: string, options: CsvReadOptions = {}): Promise<CsvTable> {
  let total: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    total = info.size;
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${path}: ${fsProblem(cause)}`, { cause });
  }
  const table = new TableBuilder(path, options);
  const stream = createReadStream(path);
  let read = 0;
  if (options.onProgress) {
    const report = options.onProgress;
    stream.on('data', (chunk) => {
      read += chunk.length;
      report(read, total);
    });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) table.push(line);
  } catch (cause) {
    stream.destroy();
    if (cause instanceof TStarError) throw cause;
    throw new TStarError('E_ARGUMENT', `${path}: ${fsProblem(cause)}`, { cause });
  }
  return table.finish();
}

/**
 * Writes a `[rows, cols]` matrix as CSV, with an optional header line.
 * @throws {TStarError} E_SHAPE when data and shape disagree
 * @example await writeCsv('probs.csv', probs, [rows, cols]);
 */
export async function writeCsv(path: string, data: ArrayLike<number>, shape: readonly [number, number], columns?: readonly string[]): Promise<void> {
  const [rows, cols] = shape;
  if (rows * cols !== data.length) throw new TStarError('E_SHAPE', `writeCsv: data has ${data.length} elements but shape [${rows}, ${cols}] needs ${rows * cols}`);
  if (columns && columns.length !== cols) throw new TStarError('E_SHAPE', `writeCsv: ${columns.length} column names for ${cols} columns`);
  const lines: string[] = columns ? [columns.join(',')] : [];
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < cols; c++) row.push(String(data[r * cols + c]));
    lines.push(row.join(','));
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}
