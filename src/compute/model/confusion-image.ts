// A confusion matrix as an image (no text: the counts go in the table beside it). Each row is
// normalised by its true-class count, so the diagonal reads as per-class recall: white 0, dark blue 1.
import { makeImage, type PlanarImage } from '../image/image.ts';

export function renderConfusion(confusion: number[][], cell = 0): PlanarImage {
  const k = confusion.length;
  const size = cell || Math.max(8, Math.min(40, Math.floor(400 / Math.max(1, k))));
  const margin = 4;
  const side = margin * 2 + k * size;
  const image = makeImage(side, side, 3, 255);
  const plane = side * side;
  const low = [255, 255, 255];
  const high = [8, 48, 107];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const t = total > 0 ? count / total : 0;
      const rgb = low.map((l, c) => Math.round(l + (high[c]! - l) * t));
      for (let y = margin + i * size; y < margin + (i + 1) * size - 1; y++)
        for (let x = margin + j * size; x < margin + (j + 1) * size - 1; x++) for (let c = 0; c < 3; c++) image.data[c * plane + y * side + x] = rgb[c]!;
    });
  });
  return image;
}
