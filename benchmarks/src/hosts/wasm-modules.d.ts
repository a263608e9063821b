// How workerd's module config hands over bundled files (hosts/workerd.ts): wasm as compiled modules,
// the ONNX models as data (ArrayBuffer).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
