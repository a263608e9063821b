// A labelled batch for PaddleOCR's text-direction classifier, drawn in the page: short text lines rendered
// upright (class 0, "0°") and turned half a turn (class 1, "180°"), preprocessed as PaddleOCR does for it
// (height 48, width ≤ 192 keeping the aspect ratio, (x/255 − 0.5)/0.5, zero padding on the right).
// A few lines read the same turned ('SOS', '1961'): for those the direction is a coin flip, so the batch
// has honest errors to calibrate on.
import type { Batch } from './batch.js';

const HEIGHT = 48;
const WIDTH = 192;

const LINES = [
  'Softmax temperature', 'Invoice No. 20417', 'Total: $38.50', 'Seattle, WA 98101', 'Please keep left', 'Best before 12/2026',
  'Reliability diagram', 'Hello, world', 'SOS', 'NOON', 'pod', '1961',
];

const FONTS = ['600 30px sans-serif', '400 32px serif', '500 28px monospace'];

/** Draws one line upright or turned 180° into a 48-px-high canvas as wide as the text. */
function drawLine(text: string, font: string, turned: boolean): HTMLCanvasElement {
  const probe = document.createElement('canvas').getContext('2d')!;
  probe.font = font;
  const width = Math.ceil(probe.measureText(text).width) + 16;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = HEIGHT;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, HEIGHT);
  if (turned) {
    ctx.translate(width, HEIGHT);
    ctx.rotate(Math.PI);
  }
  ctx.fillStyle = '#111111';
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 8, HEIGHT / 2 + 1);
  return canvas;
}

/** PaddleOCR's classifier preprocessing of one line into `out` (CHW, 3 × 48 × 192). */
function preprocess(line: HTMLCanvasElement, out: Float32Array): void {
  const resized = Math.min(WIDTH, Math.ceil(HEIGHT * (line.width / line.height)));
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(line, 0, 0, resized, HEIGHT);
  const pixels = ctx.getImageData(0, 0, WIDTH, HEIGHT).data;
  const plane = WIDTH * HEIGHT;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < resized; x++) {
      const p = (y * WIDTH + x) * 4;
      // PaddleOCR reads images as BGR.
      for (let c = 0; c < 3; c++) out[c * plane + y * WIDTH + x] = (pixels[p + 2 - c] / 255 - 0.5) / 0.5;
    }
  }
}

/** The rendered batch: inputs [2·lines, 3, 48, 192], labels 0 (upright) / 1 (turned), and the text of each row. */
export function ocrBatch(): { inputs: Batch; labels: Int32Array; captions: string[] } {
  const rows = LINES.length * 2;
  const size = 3 * HEIGHT * WIDTH;
  const data = new Float32Array(rows * size);
  const labels = new Int32Array(rows);
  const captions: string[] = [];
  LINES.forEach((text, i) => {
    const font = FONTS[i % FONTS.length];
    for (const turned of [false, true]) {
      const row = i * 2 + (turned ? 1 : 0);
      preprocess(drawLine(text, font, turned), data.subarray(row * size, (row + 1) * size));
      labels[row] = turned ? 1 : 0;
      captions.push(`"${text}" ${turned ? 'turned 180°' : 'upright'}`);
    }
  });
  return { inputs: { data, shape: [rows, 3, HEIGHT, WIDTH] }, labels, captions };
}
