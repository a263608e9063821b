/** A number for people: integers as they are, others to `digits` significant digits, ∞ for Infinity. */
export function num(value: number, digits = 5): string {
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '-∞';
  if (Number.isNaN(value)) return 'NaN';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const text = value.toPrecision(digits);
  return text.includes('e') ? text : String(Number(text));
}

export function percent(value: number, digits = 2): string {
  return `${(value * 100).toFixed(digits)} %`;
}

/** A plain-text table: a header, a rule, rows; numeric-looking cells right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ''))));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,∞]+(e[-+]?\d+)?( %)?$|^$/.test(r[c] ?? '')));
  const line = (cells: readonly string[]) =>
    indent + cells.map((cell, c) => (numeric[c] ? pad(cell, widths[c], true) : pad(cell, widths[c], false))).join('  ').trimEnd();
  return [line(header), indent + widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Two columns, no header: a name and its value. */
export function pairs(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const w = Math.max(...rows.map(([k]) => width(k)));
  return rows.map(([k, v]) => `${indent}${pad(k, w, false)}  ${v}`).join('\n');
}

function width(text: string): number {
  // Combining marks (the hat of T̂) take no column.
  return [...text.normalize('NFC')].filter((ch) => !/\p{M}/u.test(ch)).length;
}

function pad(text: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(text)));
  return right ? fill + text : text + fill;
}

/** JSON for machines: typed arrays as arrays, non-finite numbers as the strings "Infinity", "-Infinity", "NaN". */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    },
    2,
  );
}
