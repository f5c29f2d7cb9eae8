/**
 * Empties the ECR repositories of a stack this run created, so that `pulumi destroy` can delete them: the
 * program keeps `forceDelete` off, and ECR refuses to delete a repository that holds images. The repositories are
 * those under the stack's own prefix (`dotnet-fargate-<stack>/`, model/naming.ts repositoryName: every image the
 * program builds, the services', TaskInfo's and the monitor's TLS helper's, each with its build cache) and those its
 * `images` output names; never a user's.
 *
 * ECR calls as in @aws-sdk/client-ecr (dist-types/models/models_0.d.ts): DescribeRepositories and ListImages page
 * with nextToken (maxResults 1 to 1000), BatchDeleteImage takes imageIds (by digest or tag; at most 100 a call, the
 * ECR API's limit) and reports per-image failures instead of throwing.
 */
import { BatchDeleteImageCommand, DescribeRepositoriesCommand, ECRClient, ListImagesCommand } from "@aws-sdk/client-ecr";

export interface Repository {
    readonly region: string;
    readonly registryId: string;
    readonly name: string;
}

export interface EcrApi {
    /** The account's repositories in `region` whose names start with `prefix`. */
    listRepositories(region: string, prefix: string): Promise<Repository[]>;
    /** Every image digest in the repository. */
    listDigests(repo: Repository): Promise<string[]>;
    /** Deletes these digests; returns the failures' descriptions. */
    deleteDigests(repo: Repository, digests: readonly string[]): Promise<string[]>;
}

/**
 * The repositories behind an `images` output: each value is the docker-build `ref`,
 * `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>@sha256:<digest>`.
 */
export function repositoriesOf(images: unknown): Repository[] {
    if (typeof images !== "object" || images === null) {
        return [];
    }
    const found = new Map<string, Repository>();
    for (const ref of Object.values(images as Record<string, unknown>)) {
        const m = typeof ref === "string" ? /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(ref) : null;
        if (m) {
            found.set(`${m[2]}/${m[3]}`, { registryId: m[1], region: m[2], name: m[3] });
        }
    }
    return [...found.values()];
}

export const BATCH_DELETE_MAX = 100;

/** Deletes every image in each repository; returns what could not be deleted (empty when all went). */
export async function emptyRepositories(repos: readonly Repository[], api: EcrApi, log: (line: string) => void): Promise<string[]> {
    const problems: string[] = [];
    for (const repo of repos) {
        try {
            const digests = await api.listDigests(repo);
            for (let i = 0; i < digests.length; i += BATCH_DELETE_MAX) {
                problems.push(...(await api.deleteDigests(repo, digests.slice(i, i + BATCH_DELETE_MAX))).map((f) => `${repo.name}: ${f}`));
            }
            log(`   emptied ECR repository ${repo.name} (${digests.length} image(s))`);
        } catch (e) {
            problems.push(`${repo.name}: ${(e as Error).message}`);
        }
    }
    return problems;
}

/** The real API, one client per region. */
export function awsEcr(): EcrApi {
    const clients = new Map<string, ECRClient>();
    const client = (region: string) => clients.get(region) ?? clients.set(region, new ECRClient({ region })).get(region)!;
    return {
        async listRepositories(region, prefix) {
            const found: Repository[] = [];
            let nextToken: string | undefined;
            do {
                const page = await client(region).send(new DescribeRepositoriesCommand({ maxResults: 1000, nextToken }));
                for (const r of page.repositories ?? []) {
                    if (r.repositoryName?.startsWith(prefix) && r.registryId) {
                        found.push({ region, registryId: r.registryId, name: r.repositoryName });
                    }
                }
                nextToken = page.nextToken;
            } while (nextToken);
            return found;
        },
        async listDigests(repo) {
            const digests = new Set<string>();
            let nextToken: string | undefined;
            do {
                const page = await client(repo.region).send(new ListImagesCommand({ registryId: repo.registryId, repositoryName: repo.name, maxResults: 1000, nextToken }));
                page.imageIds?.forEach((id) => id.imageDigest && digests.add(id.imageDigest));
                nextToken = page.nextToken;
            } while (nextToken);
            return [...digests];
        },
        async deleteDigests(repo, digests) {
            const out = await client(repo.region).send(
                new BatchDeleteImageCommand({ registryId: repo.registryId, repositoryName: repo.name, imageIds: digests.map((imageDigest) => ({ imageDigest })) }),
            );
            return (out.failures ?? []).map((f) => `${f.imageId?.imageDigest ?? "?"}: ${f.failureCode ?? ""} ${f.failureReason ?? ""}`.trim());
        },
    };
}
