/**
 * The one place where a stack's CPU architecture is mapped to everything that depends on it.
 * Every other module asks this one; nothing else spells out "linux/arm64" or "X86_64".
 */

/** The architectures a stack can be deployed for; also the names of the stacks. */
export const ARCHITECTURES = ["arm64", "amd64"] as const;

export type Architecture = (typeof ARCHITECTURES)[number];

/** What an architecture decides, for the image build, the task definition and the .NET publish. */
export interface ArchitectureTraits {
    /** BuildKit/OCI platform the image is built for. */
    readonly platform: "linux/arm64" | "linux/amd64";
    /** ECS `runtimePlatform.cpuArchitecture` of the task definition. */
    readonly cpuArchitecture: "ARM64" | "X86_64";
    /** Docker's `TARGETARCH`, as the Dockerfiles receive it. */
    readonly targetArch: "arm64" | "amd64";
    /** The architecture part of the .NET runtime identifier (`dotnet publish -a`). */
    readonly dotnetArch: "arm64" | "x64";
}

const TRAITS: Readonly<Record<Architecture, ArchitectureTraits>> = {
    arm64: { platform: "linux/arm64", cpuArchitecture: "ARM64", targetArch: "arm64", dotnetArch: "arm64" },
    amd64: { platform: "linux/amd64", cpuArchitecture: "X86_64", targetArch: "amd64", dotnetArch: "x64" },
};

export function isArchitecture(value: unknown): value is Architecture {
    return typeof value === "string" && (ARCHITECTURES as readonly string[]).includes(value);
}

export function architectureTraits(architecture: Architecture): ArchitectureTraits {
    return TRAITS[architecture];
}
