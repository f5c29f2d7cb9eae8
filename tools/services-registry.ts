/**
 * Prints the services registry (services/services.json) as the program reads it, one service a line:
 * "<project> <Dockerfile> <Dockerfile when a monitor watches it> <smoke path>", through model/catalog.ts loadRegistry, so the
 * shell scripts (services/scripts/verify-cross-arch.sh, bench/services/run.sh) get its checks and defaults instead of
 * parsing the file themselves. Usage: node bin/tools/services-registry.js [<services.json>]. Exits 1, saying why,
 * on a malformed registry.
 */
import { loadRegistry } from "../model/catalog";

try {
    const file = process.argv[2];
    for (const s of file ? loadRegistry(file) : loadRegistry()) {
        console.log(`${s.project} ${s.dockerfile} ${s.monitoredDockerfile} ${s.smokePath}`);
    }
} catch (e) {
    console.error(`services-registry: ${(e as Error).message}`);
    process.exit(1);
}
