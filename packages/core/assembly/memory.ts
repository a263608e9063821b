// The host owns everything above __heap_base as a bump arena (src/memory.ts); kernels never allocate.
export function heapBase(): usize {
  return __heap_base;
}
