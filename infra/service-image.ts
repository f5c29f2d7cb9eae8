/**
 * A service's container image: its ECR repository (immutable, scanned, encrypted, with a lifecycle
 * policy) and the image cross-compiled for one platform by BuildKit and pushed there.
 */
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { isImageTag } from "../model/naming";
import { ArgumentError } from "../model/validation";

export interface ServiceImageArgs {
    /** ECR repository name, e.g. "dotnet-fargate-arm64/bookstore". Required. */
    readonly repositoryName: string;
    /** Build context folder: the service's own staged context (stacks/image-build.ts). Required. */
    readonly context: string;
    /** Dockerfile path. Required. */
    readonly dockerfile: string;
    /** Build arguments (never secrets: they stay in the image's history). Default: none. */
    readonly buildArgs?: Readonly<Record<string, string>>;
    /** The one platform to build for, "linux/arm64" or "linux/amd64". Required. */
    readonly platform: "linux/arm64" | "linux/amd64";
    /**
     * Image tag; must change whenever docker-build would rebuild (its context hash, build arguments, platform),
     * because tags are immutable: infra/image-context.ts derives it so. Required.
     */
    readonly tag: string;
    /** How many images the lifecycle policy keeps. Default: 20. */
    readonly imageRetentionCount?: number;
}

/** Tag of the BuildKit registry cache; the one tag exempt from immutability, so each build can refresh it. */
export const CACHE_TAG = "buildcache";

export class ServiceImage extends pulumi.ComponentResource {
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;
    /**
     * `<repository>:<tag>@sha256:<digest>` (pulumi/docker-build v0.0.22, provider/internal/image.go, addDigest):
     * what task definitions reference; the digest pins the image, so a new image is a new revision.
     */
    public readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
        if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(args.repositoryName)) {
            throw new ArgumentError("ServiceImage", "repositoryName", args.repositoryName, "expected lower-case letters, digits, '.', '_', '-' and '/' separators");
        }
        if (!isImageTag(args.tag) || args.tag === "latest" || args.tag.startsWith(CACHE_TAG)) {
            throw new ArgumentError("ServiceImage", "tag", args.tag, `expected a unique tag (not "latest", not starting with "${CACHE_TAG}")`);
        }
        const retention = args.imageRetentionCount ?? 20;
        if (!Number.isInteger(retention) || retention < 2) {
            throw new ArgumentError("ServiceImage", "imageRetentionCount", retention, "expected a whole number of at least 2");
        }
        super("dotnet-fargate:image:ServiceImage", name, {}, opts);

        const repository = new aws.ecr.Repository(
            `${name}-repo`,
            {
                name: args.repositoryName,
                imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters: [{ filter: `${CACHE_TAG}*`, filterType: "WILDCARD" }],
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                forceDelete: false,
            },
            { parent: this },
        );

        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: "Expire untagged images a day after push",
                            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
                            action: { type: "expire" },
                        },
                        {
                            rulePriority: 2,
                            description: `Keep only the ${retention} newest images`,
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: retention },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this },
        );

        const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
        const cacheRef = pulumi.interpolate`${repository.repositoryUrl}:${CACHE_TAG}`;

        const image = new dockerBuild.Image(
            `${name}-image`,
            {
                context: { location: args.context },
                dockerfile: { location: args.dockerfile },
                buildArgs: args.buildArgs ?? {},
                platforms: [args.platform],
                // Never on preview. docker-build diffs every input against state (pulumi/docker-build v0.0.22,
                // provider/internal/image.go Diff), so preview and deploy must send the same ones, cacheTo included,
                // or every preview would show every image changed; and a preview that built would still export the
                // cache (buildOnPreview's doc in the same file: "cache manifests are still exported"), letting a pull
                // request overwrite the cache deploys read. The pull-request pipeline proves the images build with
                // `npm run build:images` instead: no push, no cache export.
                buildOnPreview: false,
                push: true,
                tags: [pulumi.interpolate`${repository.repositoryUrl}:${args.tag}`],
                registries: [{ address: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }],
                cacheFrom: [{ registry: { ref: cacheRef } }],
                cacheTo: [{ registry: { ref: cacheRef, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }],
            },
            { parent: this },
        );

        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryArn = repository.arn;
        this.imageRef = image.ref;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryArn: this.repositoryArn, imageRef: this.imageRef });
    }
}
