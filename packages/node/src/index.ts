export { parseNpy, encodeNpy, readNpy, writeNpy, toFloat32, fsProblem, type NdArray, type NpyData, type NpyDtype, type NpyWriteOptions } from './npy.js';
export { fromJson, readJson, writeJson } from './json.js';
export { parseCsv, readCsv, writeCsv, type CsvTable, type CsvReadOptions } from './csv.js';
export { readArray, readMatrix, readLabels, type Matrix, type ReadOptions } from './read.js';
export { initCore, coreModule, coreWasmPath } from './load.js';
export { createPool, splitRows, chunkRanges, toShared, type Pool, type PoolOptions } from './pool.js';
export { riskCoverageSvg, type ReliabilityBand, type RiskCoverageInput, type RiskCoveragePoint, type RiskCoverageSvgOptions } from './svg-calibration.js';
export { reliabilitySvg, temperatureSweepSvg, escapeXml, type ReliabilityBin, type ReliabilityInput, type ReliabilitySvgOptions, type TemperatureSweep, type SweepSvgOptions } from './svg.js';
