// The physical-limit row: moves the bytes a kernel must move and does nothing else. Copies `copyBytes`
// from src to dst with v128 loads and stores, then reads `readOnlyBytes` more from src (folded into a
// returned lane so the loads stay), and writes `writeOnlyBytes` more to dst. Lengths are multiples of 16.
export function stream(src: usize, dst: usize, copyBytes: usize, readOnlyBytes: usize, writeOnlyBytes: usize): i32 {
  let i: usize = 0;
  for (; i < copyBytes; i += 16) v128.store(dst + i, v128.load(src + i));
  let acc = i32x4.splat(0);
  const readEnd = copyBytes + readOnlyBytes;
  for (let j = i; j < readEnd; j += 16) acc = v128.xor(acc, v128.load(src + j));
  const zero = i32x4.splat(0);
  const writeEnd = copyBytes + writeOnlyBytes;
  for (let j = i; j < writeEnd; j += 16) v128.store(dst + j, zero);
  return i32x4.extract_lane(acc, 0);
}

/** First byte the host may use (after the static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
