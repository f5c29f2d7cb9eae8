/**
 * Entry point `pulumi up` runs (Pulumi.yaml `main: stacks/`): read and validate the stack's config,
 * declare the resources, export the outputs.
 */
import { loadConfig } from "./config";
import { createStack } from "./program";

// Every key createStack returns is a stack output (url, architecture, images, clusterName, serviceNames,
// taskSize, desiredCount, estimatedMonthlyCostUsd, loadGenerator, and monitor when a monitor runs).
export = createStack(loadConfig());
