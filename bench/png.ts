/**
 * A minimal PNG decoder (8-bit greyscale, RGB or RGBA, not interlaced): enough to check a headless
 * Chromium screenshot for the chart colours without an image library.
 */
import * as zlib from "zlib";

export interface Image {
    readonly width: number;
    readonly height: number;
    /** RGBA, 4 bytes per pixel, row by row. */
    readonly rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(data: Buffer): Image {
    if (data.length < 8 || !data.subarray(0, 8).equals(SIGNATURE)) {
        throw new Error("not a PNG file");
    }
    let offset = 8;
    let width = 0;
    let height = 0;
    let colourType = -1;
    const idat: Buffer[] = [];
    while (offset < data.length) {
        const length = data.readUInt32BE(offset);
        const type = data.toString("latin1", offset + 4, offset + 8);
        const body = data.subarray(offset + 8, offset + 8 + length);
        if (type === "IHDR") {
            width = body.readUInt32BE(0);
            height = body.readUInt32BE(4);
            const bitDepth = body[8];
            colourType = body[9];
            const interlace = body[12];
            if (bitDepth !== 8 || ![0, 2, 6].includes(colourType) || interlace !== 0) {
                throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`);
            }
        } else if (type === "IDAT") {
            idat.push(body);
        } else if (type === "IEND") {
            break;
        }
        offset += 12 + length;
    }
    const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 1;
    const raw = zlib.inflateSync(Buffer.concat(idat));
    const stride = width * channels;
    const pixels = new Uint8Array(stride * height);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        for (let x = 0; x < stride; x++) {
            const a = x >= channels ? pixels[y * stride + x - channels] : 0;
            const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
            const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
            let v = line[x];
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
                    throw new Error(`bad PNG filter ${filter} on row ${y}`);
            }
            pixels[y * stride + x] = v & 0xff;
        }
    }
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
        if (channels === 1) {
            rgba.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
        } else {
            rgba[i * 4] = pixels[i * channels];
            rgba[i * 4 + 1] = pixels[i * channels + 1];
            rgba[i * 4 + 2] = pixels[i * channels + 2];
            rgba[i * 4 + 3] = channels === 4 ? pixels[i * channels + 3] : 255;
        }
    }
    return { width, height, rgba };
}

/** Pixels within `tolerance` (per channel) of the colour, e.g. "#d9480f". */
export function countColour(image: Image, hex: string, tolerance = 24): number {
    const r = parseInt(hex.slice(1, 3), 16);
    const g = parseInt(hex.slice(3, 5), 16);
    const b = parseInt(hex.slice(5, 7), 16);
    let n = 0;
    for (let i = 0; i < image.rgba.length; i += 4) {
        if (Math.abs(image.rgba[i] - r) <= tolerance && Math.abs(image.rgba[i + 1] - g) <= tolerance && Math.abs(image.rgba[i + 2] - b) <= tolerance) {
            n++;
        }
    }
    return n;
}
