/** `--stacks`: one benchmark target per deployed stack, from its outputs. */
import { readContainerInsights } from "./cloudwatch";
import { cloudWatchNatReader } from "./nat-gateway";
import { awsProcessors } from "./processors";
import { fargateRunner } from "./fargate";
import type { LoadGeneratorPlacement } from "../model/stack-outputs";
import { TasksSource } from "./results";
import { ScriptRunner, Target } from "./runner";
import { readStackOutputs, runCommand } from "./stack-outputs";
import { CliOptions, MainDeps, UsageError } from "./options";

/** The Fargate engine for one stack: its region and placement come from the stack's `loadGenerator` output. */
function fargateFor(stack: string, placement: LoadGeneratorPlacement | undefined, count: number, log: (line: string) => void, test?: ScriptRunner): ScriptRunner {
    if (!placement) {
        throw new UsageError(
            `--engine fargate: stack "${stack}" has no \`loadGenerator\` output (region, private subnets, a security group the load balancer admits); ` +
                `run \`pulumi up --stack ${stack}\` with this version of the program`,
        );
    }
    log(`stack ${stack}: Artillery on ${count} Fargate worker(s) in ${placement.region}, subnets ${placement.subnetIds.join(",")}, security group ${placement.securityGroupId}`);
    return test ?? fargateRunner({ count, region: placement.region, placement }, { log });
}

/** One target per stack, from its outputs: URL, size, tasks per service (--tasks, else desiredCount, else 1), store. */
export async function stackTargets(options: CliOptions, stacks: readonly string[], deps: MainDeps, log: (line: string) => void): Promise<Target[]> {
    const targets: Target[] = [];
    for (const stack of stacks) {
        const out = await readStackOutputs(stack, deps.runCommand ?? runCommand);
        // --tasks wins; then the stack's own figure; stacks deployed before it was exported get 1.
        const tasks: { n: number; source: TasksSource; why: string } =
            options.tasks !== undefined
                ? { n: options.tasks, source: "flag", why: "--tasks" }
                : out.desiredCount !== undefined
                  ? { n: out.desiredCount, source: "desiredCount", why: "the stack's desiredCount output" }
                  : { n: 1, source: "default", why: "default: no --tasks and no desiredCount output" };
        log(
            `stack ${stack}: ${out.url} (${out.architecture}, task ${out.taskSize.cpu} CPU units / ${out.taskSize.memory} MiB, ` +
                `${tasks.n} task(s) per service from ${tasks.why}; BookStore store ${out.store})`,
        );
        targets.push({
            label: stack,
            mode: "stack",
            architecture: out.architecture,
            baseUrlFor: () => out.url,
            urls: { alb: out.url },
            taskSize: out.taskSize,
            tasksPerService: tasks.n,
            tasksSource: tasks.source,
            // Replaced when the run ends by what each task read from /proc/cpuinfo (bench/processors.ts).
            serverCpuModel: "not read yet",
            readProcessors: () => (deps.processorReader ?? awsProcessors)(out, out.loadGenerator?.region),
            store: out.store,
            runScript: options.engine === "fargate" ? fargateFor(stack, out.loadGenerator, options.count ?? 1, log, deps.runScript) : undefined,
            capacityInPhases: options.engine === "fargate",
            // Each of the --count workers sends an equal, whole share of every rate (bench/fargate.ts).
            rateStep: options.engine === "fargate" ? (options.count ?? 1) : undefined,
            // The workers reach the load balancer through the VPC's NAT gateway: its port allocation errors make a phase client-bound.
            pathCheck: options.engine === "fargate" && out.loadGenerator ? (deps.natReader ?? cloudWatchNatReader)(out.loadGenerator.region, undefined, log) : undefined,
            estimatedMonthlyCostUsd: out.estimatedMonthlyCostUsd,
            ...(out.prices ? { prices: out.prices } : {}),
            endUtilisation: (start, end) => readContainerInsights(out.clusterName, out.serviceNames, start, end),
        });
    }
    return targets;
}
