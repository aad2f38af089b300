// Printed digits: 0-9 rendered from the fonts bundled in resources/fonts (DejaVu Sans and Serif, their
// licence beside them), white on black at any size like MNIST, each image with a seeded random font,
// scale, rotation, stroke width, position and noise. The source domain of a printed -> handwritten
// adaptation (the target: MNIST read by the idx source). No system font is read at run time.
//
// Each glyph's outline (truetype.ts) is transformed into a 3x supersampled canvas, filled by scanlines
// with the non-zero winding rule, made bolder or thinner by a square max / min filter, averaged down
// to the image size (anti-aliasing) and given Gaussian noise.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset';
import { throwIfAborted } from './files';
import { makeRandom, type Random } from './random';
import { parseTrueType, type GlyphOutline, type TrueTypeFont } from './truetype';

export const DIGIT_FONTS = ['DejaVuSans.ttf', 'DejaVuSerif.ttf'] as const;
const SUPERSAMPLE = 3;

/** The bundled fonts folder: $CONDENSE_RESOURCES_DIR/fonts, Electron's resources, or the first resources/fonts above this file. */
export function bundledFontsDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.CONDENSE_RESOURCES_DIR) candidates.push(join(process.env.CONDENSE_RESOURCES_DIR, 'fonts'));
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(join(electronResources, 'fonts'), join(electronResources, 'resources', 'fonts'));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    candidates.push(join(dir, 'resources', 'fonts'));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return candidates.find((c) => DIGIT_FONTS.every((f) => existsSync(join(c, f))));
}

export function digitFontFiles(): string[] {
  const dir = bundledFontsDir();
  if (!dir) throw new Error(`the bundled digit fonts (${DIGIT_FONTS.join(', ')}) were not found in resources/fonts`);
  return DIGIT_FONTS.map((f) => join(dir, f));
}

export interface RenderedDigitsOptions {
  count: number;
  size: number;
  channels: 1 | 3;
  seed: number;
  /** Different streams for train and test, so the splits share no image. */
  stream: number;
  name: string;
  signal?: AbortSignal;
}

/** Fills `mask` (side x side) with the glyph transformed by `map` (font units -> canvas pixels), non-zero winding. */
function fillOutline(outline: GlyphOutline, map: (x: number, y: number) => [number, number], side: number, mask: Uint8Array): void {
  const edges: { x0: number; y0: number; x1: number; y1: number }[] = [];
  for (const contour of outline.contours)
    for (let i = 0; i < contour.length; i++) {
      const [x0, y0] = map(...contour[i]!);
      const [x1, y1] = map(...contour[(i + 1) % contour.length]!);
      if (y0 !== y1) edges.push({ x0, y0, x1, y1 });
    }
  const crossings: { x: number; w: number }[] = [];
  for (let row = 0; row < side; row++) {
    const yc = row + 0.5;
    crossings.length = 0;
    for (const e of edges) {
      const down = e.y0 < e.y1;
      const [ya, yb] = down ? [e.y0, e.y1] : [e.y1, e.y0];
      if (yc < ya || yc >= yb) continue;
      crossings.push({ x: e.x0 + ((yc - e.y0) / (e.y1 - e.y0)) * (e.x1 - e.x0), w: down ? 1 : -1 });
    }
    crossings.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let k = 0; k < crossings.length - 1; k++) {
      winding += crossings[k]!.w;
      if (winding === 0) continue;
      const from = Math.max(0, Math.ceil(crossings[k]!.x - 0.5));
      const to = Math.min(side - 1, Math.floor(crossings[k + 1]!.x - 0.5));
      for (let col = from; col <= to; col++) mask[row * side + col] = 1;
    }
  }
}

/** A square max filter (radius > 0: bolder) or min filter (radius < 0: thinner), separable, in place. */
function strokeFilter(mask: Uint8Array, side: number, radius: number, scratch: Uint8Array): void {
  if (radius === 0) return;
  const r = Math.abs(radius);
  const pick = radius > 0 ? Math.max : Math.min;
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < side; a++)
      for (let b = 0; b < side; b++) {
        let v = mask[pass === 0 ? a * side + b : b * side + a]!;
        for (let d = -r; d <= r; d++) {
          const q = b + d;
          const u = q < 0 || q >= side ? 0 : mask[pass === 0 ? a * side + q : q * side + a]!;
          v = pick(v, u);
        }
        scratch[pass === 0 ? a * side + b : b * side + a] = v;
      }
    mask.set(scratch);
  }
}

function renderDigit(font: TrueTypeFont, digit: number, size: number, random: Random, out: Uint8Array, mask: Uint8Array, scratch: Uint8Array): void {
  const outline = font.glyph(String(digit));
  const side = size * SUPERSAMPLE;
  mask.fill(0);
  // MNIST digits fill a 20x20 box centred in 28x28: height ~0.71 of the image, here scaled 0.75-1.05.
  const scale = (0.71 * (0.75 + 0.3 * random.next()) * side) / Math.max(1, outline.yMax - outline.yMin);
  const angle = ((random.next() * 2 - 1) * 15 * Math.PI) / 180;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const shift = () => (random.next() * 2 - 1) * 0.07 * side;
  const [cx, cy] = [(outline.xMin + outline.xMax) / 2, (outline.yMin + outline.yMax) / 2];
  const [ox, oy] = [side / 2 + shift(), side / 2 + shift()];
  // Font y points up, image rows down.
  const map = (x: number, y: number): [number, number] => {
    const u = (x - cx) * scale;
    const v = -(y - cy) * scale;
    return [ox + cos * u - sin * v, oy + sin * u + cos * v];
  };
  fillOutline(outline, map, side, mask);
  strokeFilter(mask, side, random.int(5) - 1, scratch);
  const noise = random.next() * 12;
  const area = SUPERSAMPLE * SUPERSAMPLE;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let dy = 0; dy < SUPERSAMPLE; dy++) for (let dx = 0; dx < SUPERSAMPLE; dx++) sum += mask[(y * SUPERSAMPLE + dy) * side + x * SUPERSAMPLE + dx]!;
      out[y * size + x] = Math.max(0, Math.min(255, Math.round((255 * sum) / area + noise * random.normal())));
    }
}

/** Balanced labels (i mod 10), each image drawn independently from the seed and stream. */
export function renderDigitsDataset(options: RenderedDigitsOptions): Dataset {
  const { count, size, channels } = options;
  if (size < 8) throw new RangeError('rendered digits need images of at least 8x8');
  const files = digitFontFiles();
  const fonts = files.map((f) => parseTrueType(new Uint8Array(readFileSync(f)), f));
  const random = makeRandom(options.seed, options.stream);
  const plane = size * size;
  const pixels = new Uint8Array(count * channels * plane);
  const labels = new Int32Array(count);
  const side = size * SUPERSAMPLE;
  const mask = new Uint8Array(side * side);
  const scratch = new Uint8Array(side * side);
  const grey = new Uint8Array(plane);
  for (let i = 0; i < count; i++) {
    if (i % 256 === 0) throwIfAborted(options.signal);
    labels[i] = i % 10;
    renderDigit(fonts[random.int(fonts.length)]!, labels[i]!, size, random, grey, mask, scratch);
    for (let c = 0; c < channels; c++) pixels.set(grey, (i * channels + c) * plane);
  }
  return {
    kind: 'dataset',
    name: options.name,
    task: 'classify',
    count,
    shape: [channels, size, size],
    classes: Array.from({ length: 10 }, (_, d) => String(d)),
    pixels,
    labels,
    normalize: { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) },
    source: { kind: 'rendered-digits', files },
  };
}
