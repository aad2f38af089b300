// Procedural image classification data: each class is a shape or texture drawn at a random position and
// size, with random brightness, background and noise, so the class is learnable from the picture and
// nothing else. Deterministic from the seed; any count and any size from 8 pixels up.
import type { Dataset } from './dataset';
import { throwIfAborted } from './files';
import { makeRandom, type Random } from './random';

export const GENERATED_PATTERNS = [
  'disc',
  'square',
  'triangle',
  'horizontal stripes',
  'vertical stripes',
  'plus',
  'ring',
  'diagonal cross',
  'two blobs',
  'checkerboard',
] as const;

/** Up to 4 size bands per pattern (large to small), so at most 40 classes. */
export const GENERATED_MAX_CLASSES = GENERATED_PATTERNS.length * 4;
const SIZE_BANDS = [0.4, 0.3, 0.22, 0.15];

export function generatedClassNames(classes: number): string[] {
  return Array.from({ length: classes }, (_, k) => {
    const pattern = GENERATED_PATTERNS[k % GENERATED_PATTERNS.length];
    const band = Math.floor(k / GENERATED_PATTERNS.length);
    return band === 0 ? pattern : `${pattern} (size ${band + 1})`;
  });
}

/** 1 inside the shape, 0 outside; (u, v) are offsets from the shape centre in units of its radius. */
function coverage(pattern: number, u: number, v: number): number {
  const au = Math.abs(u);
  const av = Math.abs(v);
  switch (pattern) {
    case 0:
      return u * u + v * v <= 1 ? 1 : 0;
    case 1:
      return au <= 0.85 && av <= 0.85 ? 1 : 0;
    case 2:
      // Upward triangle: apex at v = -1, base at v = 0.9.
      return v <= 0.9 && v >= -1 && au <= (v + 1) * 0.55 ? 1 : 0;
    case 3:
      return au <= 1 && av <= 1 && Math.floor((v + 1) * 2.5) % 2 === 0 ? 1 : 0;
    case 4:
      return au <= 1 && av <= 1 && Math.floor((u + 1) * 2.5) % 2 === 0 ? 1 : 0;
    case 5:
      return (au <= 0.25 && av <= 1) || (av <= 0.25 && au <= 1) ? 1 : 0;
    case 6: {
      const r = Math.sqrt(u * u + v * v);
      return r <= 1 && r >= 0.6 ? 1 : 0;
    }
    case 7:
      return au <= 1 && av <= 1 && (Math.abs(u - v) <= 0.3 || Math.abs(u + v) <= 0.3) ? 1 : 0;
    case 8: {
      const left = (u + 0.55) ** 2 + v * v;
      const right = (u - 0.55) ** 2 + v * v;
      return Math.exp(-left / 0.12) + Math.exp(-right / 0.12);
    }
    default:
      return au <= 1 && av <= 1 && (Math.floor((u + 1) * 2) + Math.floor((v + 1) * 2)) % 2 === 0 ? 1 : 0;
  }
}

function drawSample(out: Uint8Array, size: number, channels: number, label: number, random: Random): void {
  const pattern = label % GENERATED_PATTERNS.length;
  const band = Math.floor(label / GENERATED_PATTERNS.length);
  const radius = size * SIZE_BANDS[band] * (0.85 + 0.3 * random.next());
  const margin = Math.min(radius, size / 2 - 1);
  const cx = margin + random.next() * Math.max(0, size - 1 - 2 * margin);
  const cy = margin + random.next() * Math.max(0, size - 1 - 2 * margin);
  const background: number[] = [];
  const foreground: number[] = [];
  const grey = random.next() * 0.2;
  const bright = 0.6 + random.next() * 0.4;
  for (let c = 0; c < channels; c++) {
    // Colour images get random, class-independent hues so colour is not a shortcut to the label.
    background.push(channels === 1 ? grey : random.next() * 0.25);
    foreground.push(channels === 1 ? bright : 0.45 + random.next() * 0.55);
  }
  const noise = 0.06;
  const plane = size * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = Math.min(1, coverage(pattern, (x - cx) / radius, (y - cy) / radius));
      for (let c = 0; c < channels; c++) {
        const v = background[c] + (foreground[c] - background[c]) * a + noise * random.normal();
        out[c * plane + y * size + x] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
    }
  }
}

export interface GeneratedOptions {
  classes: number;
  count: number;
  size: number;
  channels: 1 | 3;
  seed: number;
  /** Different streams for train and test, so the splits share no image. */
  stream: number;
  name: string;
  signal?: AbortSignal;
}

/** Balanced labels (i mod classes) with independently drawn images. */
export function generateDataset(options: GeneratedOptions): Dataset {
  const { classes, count, size, channels } = options;
  if (classes < 2 || classes > GENERATED_MAX_CLASSES) throw new RangeError(`classes must be 2..${GENERATED_MAX_CLASSES}`);
  const random = makeRandom(options.seed, options.stream);
  const imageBytes = channels * size * size;
  const pixels = new Uint8Array(count * imageBytes);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (i % 512 === 0) throwIfAborted(options.signal);
    labels[i] = i % classes;
    drawSample(pixels.subarray(i * imageBytes, (i + 1) * imageBytes), size, channels, labels[i], random);
  }
  return {
    kind: 'dataset',
    name: options.name,
    task: 'classify',
    count,
    shape: [channels, size, size],
    classes: generatedClassNames(classes),
    pixels,
    labels,
    normalize: { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) },
    source: { kind: 'generated', files: [] },
  };
}
