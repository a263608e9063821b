// Compiled alone at -O3s by scripts/build-wasm.mjs, only to take AssemblyScript's table-free f64 log and exp
// from it (see there). Not part of tstar.wasm.
export function log(x: f64): f64 {
  return Math.log(x);
}

export function exp(x: f64): f64 {
  return Math.exp(x);
}
