/**
 * Entry point `pulumi up` runs (package.json `main`; Pulumi.yaml names none, so the CLI's program directory is the root): read and validate the stack's config,
 * declare the resources, export the outputs.
 */
import { loadConfig } from "./config";
import { createStack } from "./program";

// Every key createStack returns is a stack output (url, architecture, images, clusterName, serviceNames,
// taskSize, desiredCount, estimatedMonthlyCostUsd, loadGenerator, and monitor when a monitor runs).
export = createStack(loadConfig());
