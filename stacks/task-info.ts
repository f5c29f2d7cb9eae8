/**
 * The TaskInfo image: one per stack, run by every service's task as its `task-info` container, which logs the
 * processor the task was placed on (infra/fargate-service.ts TASK_INFO_CONTAINER, bench/processors.ts).
 */
import * as path from "path";
import { ServiceImage } from "../infra/service-image";
import { ImageSource, stackImage } from "./image-build";
import { servicesDir } from "../model/paths";
import { StackSettings } from "./settings";
import { targetFramework } from "../model/target-framework";

/** The image's name (its repository is `<project>-<stack>/task-info`); no user's service may take it. */
export const TASK_INFO_IMAGE = "task-info";
const PROJECT_FILE = "TaskInfo/TaskInfo.csproj";

/** Native AOT on runtime-deps: a few MB for each task to pull, beside the service's own image. */
const source = (): ImageSource => ({
    name: TASK_INFO_IMAGE,
    context: "services",
    project: "TaskInfo",
    projectFile: PROJECT_FILE,
    dockerfile: "services/Dockerfile.aot",
    framework: targetFramework("TaskInfo", path.join(servicesDir(), PROJECT_FILE), servicesDir()),
});

export function taskInfoImage(prefix: string, stack: string, settings: StackSettings): ServiceImage {
    return stackImage(`${prefix}-${TASK_INFO_IMAGE}`, stack, source(), settings);
}
