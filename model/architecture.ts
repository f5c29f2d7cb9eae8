/**
 * The one place where a stack's CPU architecture is mapped to everything that depends on it.
 * Every other module asks this one; nothing else spells out "linux/arm64" or "X86_64".
 */

/** The architectures a stack can be deployed for; also the names of the stacks. */
export const ARCHITECTURES = ["arm64", "amd64"] as const;

export type Architecture = (typeof ARCHITECTURES)[number];

/** The database sizes a stack can ask for (`database.size`); each architecture maps them to an instance class. */
export const DATABASE_SIZES = ["micro", "small", "medium", "large"] as const;

export type DatabaseSize = (typeof DATABASE_SIZES)[number];

/** What an architecture decides, for the image build, the task definition, the .NET publish and the database. */
export interface ArchitectureTraits {
    /** BuildKit/OCI platform the image is built for. */
    readonly platform: "linux/arm64" | "linux/amd64";
    /** ECS `runtimePlatform.cpuArchitecture` of the task definition. */
    readonly cpuArchitecture: "ARM64" | "X86_64";
    /** Docker's `TARGETARCH`, as the Dockerfiles receive it. */
    readonly targetArch: "arm64" | "amd64";
    /** The architecture part of the .NET runtime identifier (`dotnet publish -a`). */
    readonly dotnetArch: "arm64" | "x64";
    /**
     * RDS instance class per database size: Graviton classes on arm64, x86 ones on amd64, of the same shape
     * (t4g/t3: 2 vCPU burstable with 1, 2, 4 GiB; m7g/m7i.large: 2 vCPU, 8 GiB), so the two stacks compare like for like.
     */
    readonly databaseClasses: Readonly<Record<DatabaseSize, string>>;
}

const TRAITS: Readonly<Record<Architecture, ArchitectureTraits>> = {
    arm64: {
        platform: "linux/arm64",
        cpuArchitecture: "ARM64",
        targetArch: "arm64",
        dotnetArch: "arm64",
        databaseClasses: { micro: "db.t4g.micro", small: "db.t4g.small", medium: "db.t4g.medium", large: "db.m7g.large" },
    },
    amd64: {
        platform: "linux/amd64",
        cpuArchitecture: "X86_64",
        targetArch: "amd64",
        dotnetArch: "x64",
        databaseClasses: { micro: "db.t3.micro", small: "db.t3.small", medium: "db.t3.medium", large: "db.m7i.large" },
    },
};

export function isArchitecture(value: unknown): value is Architecture {
    return typeof value === "string" && (ARCHITECTURES as readonly string[]).includes(value);
}

export function architectureTraits(architecture: Architecture): ArchitectureTraits {
    return TRAITS[architecture];
}
