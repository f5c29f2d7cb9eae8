/**
 * The only module that reads `pulumi.Config`. It gathers every key once, hands the values to the pure
 * validators in `settings.ts`, and fails before any resource is declared when a value is wrong.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_KEY_ID_KEY, AzureDevOpsSettings, parseAzureDevOpsConfig, SECRET_ACCESS_KEY_KEY } from "../infra/azuredevops/config";
import { ConfigError } from "../infra/validation";
import { key, parseSettings, PROJECT, StackSettings } from "./settings";

export interface StackConfig {
    /** The stack's name (`arm64` or `amd64` in this repository). */
    readonly stack: string;
    readonly settings: StackSettings;
    /** The stack's Azure DevOps pipelines; undefined unless `azureDevOps.enabled` is true (default false). */
    readonly azureDevOps?: AzureDevOpsSettings;
}

/** Keys whose values are plain strings; every other key holds JSON (numbers, lists, objects). */
const STRING_KEYS = ["architecture", "natStrategy", "vpcCidr", "certificateArn"];
const JSON_KEYS = ["services", "taskCpu", "taskMemory", "desiredCount", "autoscaling", "logRetentionDays", "imageRetentionCount", "prices", "monitor"];

export function loadConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    for (const name of STRING_KEYS) {
        raw[name] = config.get(name);
    }
    for (const name of JSON_KEYS) {
        raw[name] = readJson(config, name);
    }
    const settings = parseSettings(raw);
    const azureDevOps = parseAzureDevOpsConfig(readJson(config, "azureDevOps"), {
        stack: pulumi.getStack(),
        env: process.env,
        staticKeysSet: [ACCESS_KEY_ID_KEY, SECRET_ACCESS_KEY_KEY].some((k) => config.getSecret(k.split(":")[1]) !== undefined),
    });
    return {
        stack: pulumi.getStack(),
        settings,
        azureDevOps,
    };
}

/** Reads a JSON-valued key; a value that is not JSON is reported like any other bad value. */
export function readJson(config: pulumi.Config, name: string): unknown {
    const text = config.get(name);
    if (text === undefined) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new ConfigError(key(name), text, "expected a JSON value (a number, a list or an object)");
    }
}
