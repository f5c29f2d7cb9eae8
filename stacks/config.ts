/**
 * The only module that reads `pulumi.Config`. It gathers every key once, hands the values to the pure
 * validators in `settings.ts`, and fails before any resource is declared when a value is wrong.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AzureDevOpsSettings } from "../infra/azuredevops/settings";
import { ACCESS_KEY_ID_KEY, parseAzureDevOpsConfig, SECRET_ACCESS_KEY_KEY } from "./azuredevops-config";
import { ConfigError } from "../model/validation";
import { CONFIG_KEYS, key, parseSettings, PROJECT, StackSettings } from "./settings";

export interface StackConfig {
    /** The stack's name (`arm64` or `amd64` in this repository). */
    readonly stack: string;
    readonly settings: StackSettings;
    /** The stack's Azure DevOps pipelines; undefined unless `azureDevOps.enabled` is true (default false). */
    readonly azureDevOps?: AzureDevOpsSettings;
}

export function loadConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
    // Every key of the one table, read as the table says; retired keys only for their presence.
    const raw: Record<string, unknown> = {};
    const retiredSet: string[] = [];
    for (const [name, kind] of Object.entries(CONFIG_KEYS)) {
        if (kind === "string") {
            raw[name] = config.get(name);
        } else if (kind === "json") {
            raw[name] = readJson(config, name);
        } else if (config.getSecret(name) !== undefined) {
            retiredSet.push(key(name));
        }
    }
    const settings = parseSettings(raw, undefined, new pulumi.Config("aws").get("region"));
    const azureDevOps = parseAzureDevOpsConfig(raw.azureDevOps, {
        stack: pulumi.getStack(),
        env: process.env,
        staticKeysSet: retiredSet.some((k) => k === ACCESS_KEY_ID_KEY || k === SECRET_ACCESS_KEY_KEY),
    });
    return {
        stack: pulumi.getStack(),
        settings,
        azureDevOps,
    };
}

/**
 * Reads a JSON-valued key. A bare word that is not JSON (`desiredCount=two`) is handed on as text, so the key's
 * own check says what it wants ("a whole number from 1 to 100"); broken JSON (`{enabled: true`) is refused here.
 */
export function readJson(config: pulumi.Config, name: string): unknown {
    const text = config.get(name);
    if (text === undefined) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        if (/^[A-Za-z0-9_.+-]+$/.test(text.trim()) && !/^(true|false|null)$/.test(text.trim())) {
            return text;
        }
        throw new ConfigError(key(name), text, "expected a JSON value (a number, a list or an object)");
    }
}
