import { describe, expect, it } from 'vitest';
import { NodeError } from '../../shared/node-sdk';
import { decodeImage, encodeJpeg, encodePng, imageFormatOf } from './codec';
import type { PlanarImage } from './image';

function gradient(channels: number): PlanarImage {
  const width = 5;
  const height = 3;
  const data = new Uint8Array(channels * width * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  return { width, height, channels, data };
}

describe('PNG and JPEG codecs', () => {
  it('round-trips greyscale and RGB PNG exactly', () => {
    for (const channels of [1, 3]) {
      const image = gradient(channels);
      const bytes = encodePng(image);
      expect(imageFormatOf(bytes)).toBe('png');
      const { image: back } = decodeImage(bytes, 'x.png', channels as 1 | 3);
      expect(back).toMatchObject({ width: 5, height: 3, channels });
      expect(Array.from(back.data)).toEqual(Array.from(image.data));
    }
  });

  it('detects colour when asked for automatic channels', () => {
    expect(decodeImage(encodePng(gradient(1)), 'g.png').image.channels).toBe(1);
    const colour = decodeImage(encodePng(gradient(3)), 'c.png');
    expect(colour.colour).toBe(true);
    expect(colour.image.channels).toBe(3);
  });

  it('decodes JPEG close to the original', () => {
    const image: PlanarImage = { width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(90) };
    const { image: back } = decodeImage(encodeJpeg(image, 100), 'x.jpg', 1);
    expect(back.width).toBe(16);
    expect(Math.max(...Array.from(back.data, (v) => Math.abs(v - 90)))).toBeLessThanOrEqual(2);
  });

  it('names the file when the bytes are not an image', () => {
    expect(() => decodeImage(new TextEncoder().encode('hello'), '/data/cat.png')).toThrow(NodeError);
    expect(() => decodeImage(new TextEncoder().encode('hello'), '/data/cat.png')).toThrow(/\/data\/cat\.png: not a PNG or JPEG/);
  });

  it('names the file when a PNG is truncated', () => {
    const bytes = encodePng(gradient(3)).subarray(0, 40);
    expect(() => decodeImage(bytes, 'broken.png')).toThrow(/broken\.png: unreadable PNG image/);
  });
});
