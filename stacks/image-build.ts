/**
 * Where and how each service's image is built: its own staged build context (infra/image-context.ts) under
 * `.build/images/<stack>/<service>/` in the project folder, the Dockerfile there, the build arguments and the tag.
 * `pulumi up`, `pulumi preview`, the offline synth and `npm run build:images` all take their build from here, so
 * what the pipeline's build check compiles is what a deploy pushes.
 */
import * as path from "path";
import { stageImageContext } from "../infra/image-context";
import { repositoryName } from "../model/naming";
import { ServiceImage } from "../infra/service-image";
import { projectRoot } from "../model/paths";
import { ServiceSpec } from "../model/services";
import { PROJECT, StackSettings } from "./settings";

/** Overrides where staged contexts go (absolute), e.g. a temporary folder for tests. Default: `<project>/.build/images`. */
export const BUILD_DIR_ENV = "DOTNET_FARGATE_BUILD_DIR";

/** The RDS certificate authorities every image carries, for connections that verify the database's certificate. */
export const CARRIED_FILES: Readonly<Record<string, string>> = { "rds-global-bundle.pem": "services/certs/rds-global-bundle.pem" };

export interface ImageBuild {
    /** The build context, relative to the project folder when it is inside it (state is then the same on every machine). */
    readonly context: string;
    /** The Dockerfile, likewise. */
    readonly dockerfile: string;
    readonly buildArgs: Readonly<Record<string, string>>;
    readonly tag: string;
}

/** What an image is built from: a service's, or another image's the program builds (the monitor's TLS init image). */
export type ImageSource = Pick<ServiceSpec, "name" | "context" | "project" | "projectFile" | "dockerfile" | "framework">;

/** Lays out the image's build context for the stack and platform, and returns what docker-build is given. */
export function imageBuild(stack: string, spec: ImageSource, platform: string): ImageBuild {
    const root = projectRoot();
    const base = process.env[BUILD_DIR_ENV] ? path.resolve(process.env[BUILD_DIR_ENV] as string) : path.join(root, ".build", "images");
    // The Dockerfiles' arguments: the project, the framework to publish, the runtime image's tag for it.
    const buildArgs = { PROJECT: spec.projectFile, FRAMEWORK: spec.framework.targetFramework, RUNTIME_TAG: spec.framework.runtimeTag };
    const staged = stageImageContext({
        sourceContext: path.resolve(root, spec.context),
        project: spec.project,
        dockerfile: path.resolve(root, spec.dockerfile),
        carried: Object.fromEntries(Object.entries(CARRIED_FILES).map(([name, file]) => [name, path.join(root, file)])),
        stageDir: path.join(base, stack, spec.name),
        buildArgs,
        platform,
    });
    const relative = (p: string) => {
        const r = path.relative(root, p);
        return r.startsWith("..") || path.isAbsolute(r) ? p : r.split(path.sep).join("/");
    };
    return { context: relative(staged.contextDir), dockerfile: relative(staged.dockerfile), buildArgs, tag: staged.tag };
}

/**
 * The stack's image of `source`, built for the stack's platform from its staged context and pushed to its own
 * repository (`<project>-<stack>/<source.name>`): the services' images and the program's own (MonitorTls, TaskInfo).
 */
export function stackImage(resourceName: string, stack: string, source: ImageSource, settings: Pick<StackSettings, "traits" | "imageRetentionCount">): ServiceImage {
    const platform = settings.traits.platform;
    const build = imageBuild(stack, source, platform);
    return new ServiceImage(resourceName, {
        repositoryName: repositoryName(PROJECT, stack, source.name),
        context: build.context,
        dockerfile: build.dockerfile,
        buildArgs: build.buildArgs,
        platform,
        tag: build.tag,
        imageRetentionCount: settings.imageRetentionCount,
    });
}
