/**
 * Where the repository's folders are, whether the program runs from its TypeScript sources
 * (`pulumi up`) or compiled into `bin/` (tests, synth).
 */
import * as fs from "fs";
import * as path from "path";

/** The folder holding Pulumi.yaml, found by walking up from `start`. */
export function projectRoot(start: string = __dirname): string {
    let dir = path.resolve(start);
    for (;;) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            throw new Error(`No Pulumi.yaml found in ${start} or any folder above it`);
        }
        dir = parent;
    }
}

/** The `services/` folder: the build context of every image. */
export const servicesDir = (): string => path.join(projectRoot(), "services");
