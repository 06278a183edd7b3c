/**
 * A small PNG decoder for tests (node:zlib only): checks the signature and every chunk's CRC,
 * reads IHDR, inflates the IDAT stream and undoes the scanline filters. 8-bit greyscale, RGB,
 * grey+alpha and RGBA, not interlaced — what resvg writes.
 */
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Bytes per pixel. */
  channels: number;
  /** Unfiltered pixel bytes, `height` rows of `width * channels`. */
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(png: Buffer): DecodedPng {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < png.length && !ended) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8]!, colorType: data[9]!, interlace: data[12]! };
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  if (!header) throw new Error('no IHDR');
  if (!ended) throw new Error('no IEND');
  const channels = CHANNELS[header.colorType];
  if (header.bitDepth !== 8 || channels === undefined || header.interlace !== 0) throw new Error(`unsupported PNG: depth ${header.bitDepth}, colour type ${header.colorType}, interlace ${header.interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = header.width * channels;
  if (raw.length !== header.height * (stride + 1)) throw new Error(`IDAT holds ${raw.length} bytes, expected ${header.height * (stride + 1)}`);
  const pixels = Buffer.alloc(header.height * stride);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[out + x - channels]! : 0;
      const b = y > 0 ? pixels[out - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[out - stride + x - channels]! : 0;
      let v = line[x]!;
      switch (filter) {
        case 0:
          break;
        case 1:
          v += a;
          break;
        case 2:
          v += b;
          break;
        case 3:
          v += (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad filter ${filter} on row ${y}`);
      }
      pixels[out + x] = v & 0xff;
    }
  }
  return { width: header.width, height: header.height, bitDepth: header.bitDepth, colorType: header.colorType, channels, pixels };
}

/** The pixel at (x, y) as RGBA (grey and missing alpha expanded). */
export function pixelAt(img: DecodedPng, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * img.channels;
  const p = img.pixels;
  switch (img.channels) {
    case 1:
      return [p[i]!, p[i]!, p[i]!, 255];
    case 2:
      return [p[i]!, p[i]!, p[i]!, p[i + 1]!];
    case 3:
      return [p[i]!, p[i + 1]!, p[i + 2]!, 255];
    default:
      return [p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!];
  }
}

/** How many pixels have each colour (`r,g,b,a` keys). */
export function colourCounts(img: DecodedPng): Map<string, number> {
  const counts = new Map<string, number>();
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const key = pixelAt(img, x, y).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
