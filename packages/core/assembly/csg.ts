// Cumulative spectral gradient (Branchaud-Charron et al., CVPR 2019): the hot parts.
// Points are stored transposed, xt[j·stride + i] = coordinate j of point i (stride = n rounded up to
// 4), so one query's squared distances to all n points run four points per f32x4 lane whatever the
// dimension (the embedded case has d = 3). Distances are f32 (ranking only); the Parzen volume is
// formed in f64 from the same f32 coordinates, as a sum of logs so it cannot overflow: the literal product
// of step 3 overflows above a few hundred dimensions. The symmetric eigen-solver is cyclic Jacobi in f64.
import { OK } from './status';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * dist[i] = ‖x_i − x_self‖² for every point i < n (f32x4 over points, scalar tail). Dimensions go four
 * per pass, so dist is read and written once per four coordinates rather than once per coordinate.
 */
function squaredDistances(xt: usize, n: i32, d: i32, rowBytes: usize, self: i32, dist: usize): void {
  const n4 = n & ~3;
  memory.fill(dist, 0, <usize>n << 2);
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const r0 = xt + <usize>j * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    const q0 = load<f32>(at(r0, self)), q1 = load<f32>(at(r1, self));
    const q2 = load<f32>(at(r2, self)), q3 = load<f32>(at(r3, self));
    const v0 = f32x4.splat(q0), v1 = f32x4.splat(q1), v2 = f32x4.splat(q2), v3 = f32x4.splat(q3);
    let i = 0;
    for (; i < n4; i += 4) {
      const e0 = f32x4.sub(v128.load(at(r0, i)), v0);
      const e1 = f32x4.sub(v128.load(at(r1, i)), v1);
      const e2 = f32x4.sub(v128.load(at(r2, i)), v2);
      const e3 = f32x4.sub(v128.load(at(r3, i)), v3);
      const s = f32x4.add(f32x4.add(f32x4.mul(e0, e0), f32x4.mul(e1, e1)), f32x4.add(f32x4.mul(e2, e2), f32x4.mul(e3, e3)));
      v128.store(at(dist, i), f32x4.add(v128.load(at(dist, i)), s));
    }
    for (; i < n; i++) {
      const e0 = load<f32>(at(r0, i)) - q0, e1 = load<f32>(at(r1, i)) - q1;
      const e2 = load<f32>(at(r2, i)) - q2, e3 = load<f32>(at(r3, i)) - q3;
      store<f32>(at(dist, i), load<f32>(at(dist, i)) + ((e0 * e0 + e1 * e1) + (e2 * e2 + e3 * e3)));
    }
  }
  for (; j < d; j++) {
    const row = xt + <usize>j * rowBytes;
    const qs = load<f32>(at(row, self));
    const qv = f32x4.splat(qs);
    let i = 0;
    for (; i < n4; i += 4) {
      const e = f32x4.sub(v128.load(at(row, i)), qv);
      v128.store(at(dist, i), f32x4.add(v128.load(at(dist, i)), f32x4.mul(e, e)));
    }
    for (; i < n; i++) {
      const e = load<f32>(at(row, i)) - qs;
      store<f32>(at(dist, i), load<f32>(at(dist, i)) + e * e);
    }
  }
}

/**
 * The k nearest points other than `self`, ordered by (distance, index): a sorted insertion list, so a
 * tie goes to the lower index. Filling before comparing keeps it correct when distances overflow to +Inf.
 */
function nearest(dist: usize, n: i32, self: i32, k: i32, bestD: usize, nbr: usize): void {
  let filled = 0;
  for (let i = 0; i < n; i++) {
    if (i == self) continue;
    const v = load<f32>(at(dist, i));
    let pos: i32;
    if (filled == k) {
      if (!(v < load<f32>(at(bestD, k - 1)))) continue;
      pos = k - 1;
    } else {
      pos = filled++;
    }
    while (pos > 0 && load<f32>(at(bestD, pos - 1)) > v) {
      store<f32>(at(bestD, pos), load<f32>(at(bestD, pos - 1)));
      store<i32>(at(nbr, pos), load<i32>(at(nbr, pos - 1)));
      pos--;
    }
    store<f32>(at(bestD, pos), v);
    store<i32>(at(nbr, pos), i);
  }
}

/**
 * Step 3: log V(x) = Σ_j log(2·max_t |x_{nbr_t, j} − x_j|), floored at logFloor (the reference floors
 * V at 1e-4; a zero extent gives −Inf, which the floor catches).
 */
function logVolume(xt: usize, d: i32, rowBytes: usize, self: i32, nbr: usize, k: i32, logFloor: f64): f64 {
  let s: f64 = 0;
  for (let j = 0; j < d; j++) {
    const row = xt + <usize>j * rowBytes;
    const q = <f64>load<f32>(at(row, self));
    let m: f64 = 0;
    for (let t = 0; t < k; t++) m = max(m, abs(<f64>load<f32>(at(row, load<i32>(at(nbr, t)))) - q));
    s += Math.log(2 * m);
  }
  return max(s, logFloor);
}

/**
 * Steps 2–3 of CSG for each query index: its k nearest neighbours among all n points (itself
 * excluded) into nbr[q·k ..], and its floored log Parzen volume into logV[q] (f64).
 * Scratch: dist holds n f32, bestD holds k f32.
 */
export function csgNeighbours(
  xtPtr: usize, n: i32, d: i32, stride: i32, queryPtr: usize, nq: i32, k: i32,
  distPtr: usize, bestPtr: usize, nbrPtr: usize, logVPtr: usize, logFloor: f64,
): i32 {
  const rowBytes = <usize>stride << 2;
  for (let q = 0; q < nq; q++) {
    const self = load<i32>(at(queryPtr, q));
    const nbr = nbrPtr + <usize>q * (<usize>k << 2);
    squaredDistances(xtPtr, n, d, rowBytes, self, distPtr);
    nearest(distPtr, n, self, k, bestPtr, nbr);
    store<f64>(logVPtr + (<usize>q << 3), logVolume(xtPtr, d, rowBytes, self, nbr, k, logFloor));
  }
  return OK;
}

/** y[i·b + j] = Σ_t x[i·d + t]·q[j·d + t]: n row-major points onto b directions (f32x4 over t). */
export function csgProject(xPtr: usize, n: i32, d: i32, qPtr: usize, b: i32, yPtr: usize): void {
  const d4 = d & ~3;
  for (let i = 0; i < n; i++) {
    const x = xPtr + <usize>i * (<usize>d << 2);
    for (let j = 0; j < b; j++) {
      const q = qPtr + <usize>j * (<usize>d << 2);
      let acc = f32x4.splat(0);
      let t = 0;
      for (; t < d4; t += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(x, t)), v128.load(at(q, t))));
      let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; t < d; t++) s += load<f32>(at(x, t)) * load<f32>(at(q, t));
      store<f32>(at(yPtr, i * b + j), s);
    }
  }
}

/** z[j·d + t] = Σ_i y[i·b + j]·x[i·d + t]: the transpose of csgProject (f32x4 over t). */
export function csgProjectBack(xPtr: usize, n: i32, d: i32, yPtr: usize, b: i32, zPtr: usize): void {
  const d4 = d & ~3;
  memory.fill(zPtr, 0, <usize>b * (<usize>d << 2));
  for (let i = 0; i < n; i++) {
    const x = xPtr + <usize>i * (<usize>d << 2);
    for (let j = 0; j < b; j++) {
      const ys = load<f32>(at(yPtr, i * b + j));
      const yv = f32x4.splat(ys);
      const z = zPtr + <usize>j * (<usize>d << 2);
      let t = 0;
      for (; t < d4; t += 4) v128.store(at(z, t), f32x4.add(v128.load(at(z, t)), f32x4.mul(yv, v128.load(at(x, t)))));
      for (; t < d; t++) store<f32>(at(z, t), load<f32>(at(z, t)) + ys * load<f32>(at(x, t)));
    }
  }
}

// @ts-ignore: decorator
@inline function el(p: usize, n: i32, r: i32, c: i32): usize {
  return p + ((<usize>r * <usize>n + <usize>c) << 3);
}

/**
 * Eigenvalues of the symmetric f64 matrix a [n, n] by cyclic Jacobi rotations (Rutishauser's update,
 * t = sgn θ / (|θ| + √(θ² + 1)) with θ = (a_qq − a_pp) / 2a_pq). On return the diagonal of a holds the
 * eigenvalues (unsorted); when vPtr ≠ 0, v [n, n] receives the eigenvectors as columns. Stops when the
 * off-diagonal mass is below 1e-30 of the squared Frobenius norm (|λ − λ_exact| ≲ 1e-14·‖a‖).
 * Returns the number of sweeps, or −1 if maxSweeps did not converge.
 */
export function csgJacobi(aPtr: usize, n: i32, vPtr: usize, maxSweeps: i32): i32 {
  if (vPtr != 0) {
    memory.fill(vPtr, 0, (<usize>n * <usize>n) << 3);
    for (let i = 0; i < n; i++) store<f64>(el(vPtr, n, i, i), 1);
  }
  let total: f64 = 0;
  for (let i = 0; i < n * n; i++) {
    const x = load<f64>(aPtr + (<usize>i << 3));
    total += x * x;
  }
  for (let sweep = 0; sweep <= maxSweeps; sweep++) {
    let off: f64 = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const x = load<f64>(el(aPtr, n, p, q));
        off += x * x;
      }
    }
    if (off == 0 || off <= 1e-30 * total) return sweep;
    if (sweep == maxSweeps) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = load<f64>(el(aPtr, n, p, q));
        if (apq == 0) continue;
        const app = load<f64>(el(aPtr, n, p, p));
        const aqq = load<f64>(el(aPtr, n, q, q));
        // An entry too small to move either diagonal in f64 is set to zero (after a few sweeps).
        const g = 100 * abs(apq);
        if (sweep > 3 && app + g == app && aqq + g == aqq) {
          store<f64>(el(aPtr, n, p, q), 0);
          store<f64>(el(aPtr, n, q, p), 0);
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = abs(theta) > 1e150
          ? 1 / (2 * theta)
          : (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        store<f64>(el(aPtr, n, p, p), app - t * apq);
        store<f64>(el(aPtr, n, q, q), aqq + t * apq);
        store<f64>(el(aPtr, n, p, q), 0);
        store<f64>(el(aPtr, n, q, p), 0);
        for (let r = 0; r < n; r++) {
          if (r == p || r == q) continue;
          const arp = load<f64>(el(aPtr, n, r, p));
          const arq = load<f64>(el(aPtr, n, r, q));
          const np = c * arp - s * arq;
          const nq = s * arp + c * arq;
          store<f64>(el(aPtr, n, r, p), np);
          store<f64>(el(aPtr, n, p, r), np);
          store<f64>(el(aPtr, n, r, q), nq);
          store<f64>(el(aPtr, n, q, r), nq);
        }
        if (vPtr != 0) {
          for (let r = 0; r < n; r++) {
            const vrp = load<f64>(el(vPtr, n, r, p));
            const vrq = load<f64>(el(vPtr, n, r, q));
            store<f64>(el(vPtr, n, r, p), c * vrp - s * vrq);
            store<f64>(el(vPtr, n, r, q), s * vrp + c * vrq);
          }
        }
      }
    }
  }
  return -1;
}
