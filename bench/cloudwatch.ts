/**
 * CPU and memory of the stack's ECS services during the test window, from Container Insights
 * (namespace ECS/ContainerInsights, CpuUtilized/CpuReserved/MemoryUtilized per ClusterName+ServiceName).
 * The AWS SDK is loaded only when credentials are present; the query building and the parsing of the
 * response are pure and tested on a fixed response.
 */
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServiceUtilisation, UtilisationPoint } from "./results";

/** The environment variables that give the AWS SDK v3's default chain its credentials, or say where they are. */
export const AWS_CREDENTIAL_VARIABLES = [
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
] as const;

/** The shared files the default chain reads (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move them). */
export function awsCredentialFiles(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
    return [env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, ".aws", "credentials"), env.AWS_CONFIG_FILE ?? path.join(home, ".aws", "config")];
}

/**
 * Where the AWS SDK's default chain would find credentials: the first of its environment variables that is set,
 * else the first shared file that exists; undefined when no source is present. An EC2 instance role cannot be seen
 * without a network call: on such a machine, set AWS_PROFILE or export the role's credentials.
 */
export function awsCredentialSource(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string | undefined {
    return AWS_CREDENTIAL_VARIABLES.find((k) => env[k]) ?? awsCredentialFiles(env, home).find((f) => fs.existsSync(f));
}

/** Whether the AWS SDK would find credentials here; the readers of CloudWatch, ECS and the logs run only then. */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): boolean {
    return awsCredentialSource(env, home) !== undefined;
}

/** Why a reader of AWS did not run. */
export const NO_AWS_CREDENTIALS = "no AWS credentials found (AWS_ACCESS_KEY_ID, AWS_PROFILE, web identity or container credentials, ~/.aws/credentials, ~/.aws/config)";

const METRICS = ["CpuUtilized", "CpuReserved", "MemoryUtilized"] as const;

/** Query id for a service's metric: GetMetricData ids must start lowercase and be [a-zA-Z0-9_]. */
export function queryId(serviceKey: string, metric: string): string {
    return `m_${serviceKey.replace(/[^a-zA-Z0-9]/g, "_")}_${metric}`.toLowerCase();
}

/**
 * The GetMetricData request for every service in `serviceNames` (key -> ECS service name) over the
 * window, one point per `periodS` seconds (60 s is Container Insights' resolution).
 */
export function buildMetricQuery(
    clusterName: string,
    serviceNames: Readonly<Record<string, string>>,
    start: Date,
    end: Date,
    periodS = 60,
): GetMetricDataCommandInput {
    const queries = Object.entries(serviceNames).flatMap(([key, serviceName]) =>
        METRICS.map((metric) => ({
            Id: queryId(key, metric),
            MetricStat: {
                Metric: {
                    Namespace: "ECS/ContainerInsights",
                    MetricName: metric,
                    Dimensions: [
                        { Name: "ClusterName", Value: clusterName },
                        { Name: "ServiceName", Value: serviceName },
                    ],
                },
                Period: periodS,
                Stat: "Average",
            },
            ReturnData: true,
        })),
    );
    // Round the window out to whole periods so the first and last minutes are included.
    const periodMs = periodS * 1000;
    return {
        StartTime: new Date(Math.floor(start.getTime() / periodMs) * periodMs),
        EndTime: new Date(Math.ceil(end.getTime() / periodMs) * periodMs),
        MetricDataQueries: queries,
        ScanBy: "TimestampAscending",
    };
}

/**
 * Turns GetMetricData results into per-service series: CPU as percent of the reserved CPU
 * (CpuUtilized / CpuReserved * 100) and memory in MiB, with t in seconds since `start`.
 */
export function parseMetricData(
    serviceNames: Readonly<Record<string, string>>,
    results: GetMetricDataCommandOutput["MetricDataResults"],
    start: Date,
): ServiceUtilisation[] {
    const byId = new Map<string, Map<number, number>>();
    for (const r of results ?? []) {
        if (!r.Id) {
            continue;
        }
        const series = byId.get(r.Id) ?? new Map<number, number>();
        (r.Timestamps ?? []).forEach((ts, i) => {
            const value = r.Values?.[i];
            if (value !== undefined) {
                series.set(new Date(ts).getTime(), value);
            }
        });
        byId.set(r.Id, series);
    }
    return Object.keys(serviceNames).map((key) => {
        const cpu = byId.get(queryId(key, "CpuUtilized")) ?? new Map<number, number>();
        const reserved = byId.get(queryId(key, "CpuReserved")) ?? new Map<number, number>();
        const memory = byId.get(queryId(key, "MemoryUtilized")) ?? new Map<number, number>();
        const times = [...new Set([...cpu.keys(), ...memory.keys()])].sort((a, b) => a - b);
        const points: UtilisationPoint[] = times.map((time) => {
            const used = cpu.get(time);
            const res = reserved.get(time);
            return {
                t: Math.round((time - start.getTime()) / 1000),
                cpuPercent: used !== undefined && res !== undefined && res > 0 ? (used / res) * 100 : null,
                memoryMiB: memory.get(time) ?? null,
            };
        });
        return {
            service: key,
            source: "container-insights",
            measured: points.length > 0,
            note: points.length > 0 ? undefined : "Container Insights returned no data points (is it enabled on the cluster?)",
            points,
        };
    });
}

/** Utilisation recorded as not measured, with the reason. */
export function notMeasured(serviceNames: readonly string[], reason: string): ServiceUtilisation[] {
    return serviceNames.map((service) => ({ service, source: "none", measured: false, note: reason, points: [] }));
}

/**
 * Reads the services' utilisation for the window when AWS credentials are present; otherwise, or on any
 * AWS error, records "not measured" with the reason. Never throws: the load figures stand on their own.
 */
export async function readContainerInsights(
    clusterName: string | undefined,
    serviceNames: Readonly<Record<string, string>>,
    start: Date,
    end: Date,
): Promise<ServiceUtilisation[]> {
    const keys = Object.keys(serviceNames);
    if (!clusterName || keys.length === 0) {
        return notMeasured(keys.length ? keys : ["all"], "the stack exports no clusterName/serviceNames");
    }
    if (!hasAwsCredentials()) {
        return notMeasured(keys, `not measured: ${NO_AWS_CREDENTIALS}`);
    }
    try {
        const sdk = await import("@aws-sdk/client-cloudwatch");
        const client = new sdk.CloudWatchClient({});
        const input = buildMetricQuery(clusterName, serviceNames, start, end);
        const results: NonNullable<GetMetricDataCommandOutput["MetricDataResults"]> = [];
        let token: string | undefined;
        do {
            const page = await client.send(new sdk.GetMetricDataCommand({ ...input, NextToken: token }));
            results.push(...(page.MetricDataResults ?? []));
            token = page.NextToken;
        } while (token);
        return parseMetricData(serviceNames, results, start);
    } catch (e) {
        return notMeasured(keys, `not measured: Container Insights query failed (${(e as Error).message})`);
    }
}
