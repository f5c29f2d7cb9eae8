/**
 * Errors for bad configuration and bad component arguments. One format everywhere, so a user always
 * sees which key or argument was wrong, the value that was given, and what is allowed.
 */

/** Renders a value the way a user typed it: strings quoted, everything else as JSON. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

/** A configuration value that the program refuses, raised before any resource is declared. */
export class ConfigError extends Error {
    constructor(
        public readonly key: string,
        public readonly value: unknown,
        public readonly allowed: string,
    ) {
        super(`Config "${key}" is ${describeValue(value)}; ${allowed}.`);
        this.name = "ConfigError";
    }
}

/** A component argument that the component refuses, raised in its constructor before any child. */
export class ArgumentError extends Error {
    constructor(
        public readonly component: string,
        public readonly argument: string,
        public readonly value: unknown,
        public readonly allowed: string,
    ) {
        super(`${component}: argument "${argument}" is ${describeValue(value)}; ${allowed}.`);
        this.name = "ArgumentError";
    }
}
