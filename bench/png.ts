/**
 * Reads a headless Chromium screenshot with pngjs (a maintained PNG library) and counts the pixels of a
 * chart colour.
 */
import { PNG } from "pngjs";

export interface Image {
    readonly width: number;
    readonly height: number;
    /** RGBA, 4 bytes per pixel, row by row. */
    readonly rgba: Uint8Array;
}

export function decodePng(data: Buffer): Image {
    const png = PNG.sync.read(data);
    return { width: png.width, height: png.height, rgba: png.data };
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
