/** Hand-built .npy bytes, independent of the library's writer: magic, version, header length, padded dict, data. */
export function npyBytes(version: 1 | 2 | 3, dict: string, data: Uint8Array, align = 64): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const dictBytes = new TextEncoder().encode(dict);
  const total = Math.ceil((pre + dictBytes.length + 1) / align) * align;
  const header = new Uint8Array(total - pre).fill(0x20);
  header.set(dictBytes);
  header[header.length - 1] = 0x0a;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  out.set(header, pre);
  out.set(data, total);
  return out;
}

/** Little-endian (or big-endian) bytes of numbers written one by one through a DataView. */
export function leBytes(kind: 'f4' | 'f8' | 'i4' | 'i8' | 'u1', values: readonly number[], littleEndian = true): Uint8Array {
  const size = { f4: 4, f8: 8, i4: 4, i8: 8, u1: 1 }[kind];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, k) => {
    const at = k * size;
    if (kind === 'f4') dv.setFloat32(at, v, littleEndian);
    else if (kind === 'f8') dv.setFloat64(at, v, littleEndian);
    else if (kind === 'i4') dv.setInt32(at, v, littleEndian);
    else if (kind === 'i8') dv.setBigInt64(at, BigInt(v), littleEndian);
    else dv.setUint8(at, v);
  });
  return out;
}

export function dict(descr: string, shape: string, fortran = false): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
}
