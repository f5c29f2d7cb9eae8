/**
 * Entry point `pulumi up` runs (Pulumi.yaml `main: stacks/`): read and validate the stack's config,
 * declare the resources, export the outputs.
 */
import { loadConfig } from "./config";
import { createStack } from "./program";

const outputs = createStack(loadConfig());

export const url = outputs.url;
export const architecture = outputs.architecture;
export const images = outputs.images;
export const clusterName = outputs.clusterName;
export const serviceNames = outputs.serviceNames;
export const taskSize = outputs.taskSize;
export const desiredCount = outputs.desiredCount;
export const estimatedMonthlyCostUsd = outputs.estimatedMonthlyCostUsd;
export const monitor = outputs.monitor;
export const loadGenerator = outputs.loadGenerator;
