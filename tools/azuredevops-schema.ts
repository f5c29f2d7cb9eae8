/**
 * The part of a Pulumi package schema the Azure DevOps binding generator reads, the subset of the provider's
 * schema it keeps in the repository, and the TypeScript spelling of the schema's types as the published Node.js
 * SDKs spell them (pulumi/pulumi v3.259.0 pkg/codegen/nodejs/gen.go: `pulumi.Input<T | undefined>` for an optional input,
 * `inputs.X` and `outputs.X` for object types).
 */

/** The resources and functions the program uses; the subset holds these and the object types they reach. */
export const USED_RESOURCES = [
    "azuredevops:index/branchPolicyBuildValidation:BranchPolicyBuildValidation",
    "azuredevops:index/buildDefinition:BuildDefinition",
    "azuredevops:index/checkBranchControl:CheckBranchControl",
    "azuredevops:index/pipelineAuthorization:PipelineAuthorization",
    "azuredevops:index/serviceEndpointAws:ServiceEndpointAws",
] as const;
export const USED_FUNCTIONS = [
    "azuredevops:index/getGitRepository:getGitRepository",
    "azuredevops:index/getProject:getProject",
    "azuredevops:index/getVariableGroup:getVariableGroup",
] as const;

export interface PropertySpec {
    readonly type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
    readonly items?: PropertySpec;
    readonly additionalProperties?: PropertySpec;
    readonly $ref?: string;
    readonly secret?: boolean;
    readonly willReplaceOnChanges?: boolean;
    readonly defaultInfo?: { readonly environment?: readonly string[] };
}

export interface ObjectSpec {
    readonly type?: "object";
    readonly properties?: Readonly<Record<string, PropertySpec>>;
    readonly required?: readonly string[];
    readonly language?: { readonly nodejs?: { readonly requiredOutputs?: readonly string[] } };
}

export interface ResourceSpec extends ObjectSpec {
    readonly inputProperties?: Readonly<Record<string, PropertySpec>>;
    readonly requiredInputs?: readonly string[];
    readonly stateInputs?: ObjectSpec;
    readonly aliases?: readonly { readonly type: string }[];
}

export interface FunctionSpec {
    readonly inputs?: ObjectSpec;
    readonly outputs: ObjectSpec;
}

/** Where the subset was taken from. */
export interface SchemaSource {
    readonly repository: string;
    readonly tag: string;
    readonly commit: string;
    readonly path: string;
    readonly note: string;
}

/** The generator's input: a Pulumi package schema cut down to what the program uses, plus its version and source. */
export interface SchemaSubset {
    readonly source: SchemaSource;
    readonly name: string;
    readonly version: string;
    readonly provider: ResourceSpec;
    readonly resources: Readonly<Record<string, ResourceSpec>>;
    readonly functions: Readonly<Record<string, FunctionSpec>>;
    readonly types: Readonly<Record<string, ObjectSpec>>;
}

const TYPE_REF = "#/types/";

/** The token a `$ref` names, or an error naming where it stands when it is not a local type reference. */
export function refToken(ref: string, where: string): string {
    if (!ref.startsWith(TYPE_REF)) {
        throw new Error(`${where}: $ref "${ref}" is not supported; expected a local object type, ${TYPE_REF}<token>.`);
    }
    return ref.slice(TYPE_REF.length);
}

/** The exported name of an object type: its token's last part, capitalized (`getVariableGroupVariable` -> `GetVariableGroupVariable`). */
export function typeName(token: string): string {
    const last = token.split(":").pop() ?? token;
    return last.charAt(0).toUpperCase() + last.slice(1);
}

/** The module file of a resource or function: the token's middle part after `index/` (`buildDefinition`). */
export function moduleName(token: string): string {
    const [, middle] = token.split(":");
    return middle.slice(middle.indexOf("/") + 1);
}

/** The exported name of a resource or function: the token's last part (`BuildDefinition`, `getProject`). */
export function memberName(token: string): string {
    return token.split(":")[2];
}

/** Drops documentation text (string-valued `description`) and keeps every property, even one named `description`. */
function withoutDocs<T>(value: T): T {
    return JSON.parse(JSON.stringify(value, (key, v) => (key === "description" && typeof v === "string" ? undefined : v)));
}

/** Every object type token `value` refers to, directly or through other types of `types`. */
export function reachableTypes(value: unknown, types: Readonly<Record<string, ObjectSpec>>, found = new Set<string>()): Set<string> {
    const visit = (node: unknown, where: string): void => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => visit(item, `${where}[${i}]`));
        } else if (typeof node === "object" && node !== null) {
            for (const [key, child] of Object.entries(node)) {
                if (key === "$ref" && typeof child === "string") {
                    const token = refToken(child, where);
                    if (!(token in types)) {
                        throw new Error(`${where}: $ref names type "${token}", which the schema does not define.`);
                    }
                    if (!found.has(token)) {
                        found.add(token);
                        visit(types[token], token);
                    }
                } else {
                    visit(child, `${where}.${key}`);
                }
            }
        }
    };
    visit(value, "schema");
    return found;
}

/** The full upstream schema, as far as extraction reads it. */
export interface FullSchema {
    readonly name: string;
    readonly provider: ResourceSpec;
    readonly resources: Readonly<Record<string, ResourceSpec>>;
    readonly functions: Readonly<Record<string, FunctionSpec>>;
    readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** Cuts `full` down to the used resources and functions, the provider, and the object types they reach, without docs. */
export function extractSubset(full: FullSchema, version: string, source: SchemaSource): SchemaSubset {
    const pick = <T>(all: Readonly<Record<string, T>>, tokens: readonly string[], kind: string): Record<string, T> =>
        Object.fromEntries(tokens.map((token) => {
            if (!(token in all)) {
                throw new Error(`The upstream schema has no ${kind} "${token}"; the program uses it (tools/azuredevops-schema.ts USED_${kind.toUpperCase()}S).`);
            }
            return [token, withoutDocs(all[token])];
        }));
    const provider = withoutDocs({ ...full.provider, methods: undefined });
    const resources = pick(full.resources, USED_RESOURCES, "resource");
    const functions = pick(full.functions, USED_FUNCTIONS, "function");
    const reached = [...reachableTypes([provider, resources, functions], full.types)].sort();
    const types = Object.fromEntries(reached.map((token) => [token, withoutDocs(full.types[token])]));
    return { source, name: full.name, version, provider, resources, functions, types };
}

const SCALARS: Readonly<Record<string, string>> = { string: "string", integer: "number", number: "number", boolean: "boolean" };

/**
 * The TypeScript type of `p`. `ns` is the namespace object types come from (`inputs` or `outputs`); with
 * `input`, every level is wrapped in `pulumi.Input`, as the generated SDKs' argument types are.
 */
export function tsType(p: PropertySpec, ns: "inputs" | "outputs", input: boolean, where: string): string {
    const wrap = (t: string) => (input ? `pulumi.Input<${t}>` : t);
    return wrap(innerType(p, ns, input, where));
}

/** `tsType` without the outer `pulumi.Input`, so an optional input can add `| undefined` inside it. */
export function innerType(p: PropertySpec, ns: "inputs" | "outputs", input: boolean, where: string): string {
    if (p.$ref !== undefined) {
        return `${ns}.${typeName(refToken(p.$ref, where))}`;
    }
    if (p.type === "array" && p.items !== undefined) {
        return `${tsType(p.items, ns, input, `${where}.items`)}[]`;
    }
    if (p.type === "object" && p.additionalProperties !== undefined) {
        return `{[key: string]: ${tsType(p.additionalProperties, ns, input, `${where}.additionalProperties`)}}`;
    }
    const scalar = p.type === undefined ? undefined : SCALARS[p.type];
    if (scalar === undefined) {
        throw new Error(`${where}: type ${JSON.stringify(p.type ?? null)} is not supported; expected string, integer, number, boolean, array with items, object with additionalProperties, or a $ref.`);
    }
    return scalar;
}

/** A property's TypeScript type as an argument (`pulumi.Input<...>`), optional ones admitting `undefined`. */
export function argType(p: PropertySpec, optional: boolean, where: string): string {
    return `pulumi.Input<${innerType(p, "inputs", true, where)}${optional ? " | undefined" : ""}>`;
}

/** A property's plain TypeScript type (results and output object types). */
export function plainType(p: PropertySpec, optional: boolean, where: string, ns: "inputs" | "outputs" = "outputs"): string {
    return `${innerType(p, ns, false, where)}${optional ? " | undefined" : ""}`;
}

/** Sorted property names of an object spec. */
export const propertyNames = (props: Readonly<Record<string, PropertySpec>> | undefined): string[] => Object.keys(props ?? {}).sort();
