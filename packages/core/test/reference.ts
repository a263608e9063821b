// Float64 references, written for clarity, not speed: the ground truth every kernel is tested against.

export function softmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp((x[r * cols + c] - m) / temperature) / s;
  }
  return y;
}

export function logSoftmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    const lse = Math.log(s);
    for (let c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - m) / temperature - lse;
  }
  return y;
}

export function softmaxBackward(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += y[r * cols + c] * dy[r * cols + c];
    for (let c = 0; c < cols; c++) dx[r * cols + c] = (y[r * cols + c] * (dy[r * cols + c] - s)) / temperature;
  }
  return dx;
}
