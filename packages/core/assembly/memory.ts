// The host owns everything above __heap_base as a bump arena (src/memory.ts); kernels never allocate.
export function heapBase(): usize {
  return __heap_base;
}

/** Which build this is: 1 when compiled with relaxed SIMD (tstar-relaxed.wasm), read by the loader. */
export const RELAXED_SIMD: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
