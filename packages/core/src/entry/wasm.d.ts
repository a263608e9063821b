// Hosts that refuse to compile bytes hand over tstar.wasm through an import: workerd and wrangler give a
// compiled module for `*.wasm`, Next.js's edge runtime for `*.wasm?module`.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}
