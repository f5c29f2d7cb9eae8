/**
 * `--engine fargate`: the Artillery workers run in the stack's private subnets and reach the (internet-facing)
 * load balancer through the VPC's NAT gateway. A NAT gateway holds at most 55,000 simultaneous connections to
 * one destination; past that it cannot allocate a source port and new connections fail. Such failures are the
 * path's limit, not the server's, so a step during which the NAT gateway reported them is client-bound.
 *
 * Metrics, as the Amazon VPC User Guide names them ("Monitor NAT gateways with Amazon CloudWatch",
 * docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html): namespace `AWS/NATGateway`,
 * dimension `NatGatewayId`, one-minute data points;
 * - `ErrorPortAllocation`: times the gateway could not allocate a source port (statistic Sum). Any at all
 *   during a step makes it client-bound.
 * - `PacketsDropCount`: packets the gateway dropped (Sum). The guide calls more than 0.01% of the gateway's
 *   traffic worth investigating; we compare it with `PacketsInFromSource` (packets from the workers, Sum) and
 *   call a step client-bound above that share.
 *
 * The stack does not export its NAT gateways' ids, so without them the query is a CloudWatch SEARCH over every
 * NAT gateway of the region (`{AWS/NATGateway,NatGatewayId}`): a gateway of another VPC that errs during a step
 * marks it client-bound too. That errs on the safe side: a step is never taken as the server's capacity when a
 * NAT path may have limited it.
 */
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { hasAwsCredentials, NO_AWS_CREDENTIALS } from "./cloudwatch";

export const NAT_NAMESPACE = "AWS/NATGateway";
export const NAT_DIMENSION = "NatGatewayId";
export const NAT_METRICS = ["ErrorPortAllocation", "PacketsDropCount", "PacketsInFromSource"] as const;
type NatMetric = (typeof NAT_METRICS)[number];
/** Dropped packets above this share of the packets from the workers make a step client-bound (the guide's 0.01%). */
export const MAX_DROP_SHARE = 0.0001;
/** The NAT gateway's connection limit per destination (Amazon VPC User Guide, "NAT gateway basics"). */
export const NAT_CONNECTIONS_PER_DESTINATION = 55_000;

/** A window's NAT figures and, when they say the path limited the step, why. */
export interface NatVerdict {
    readonly clientBound: boolean;
    readonly reason?: string;
    readonly portAllocationErrors: number;
    readonly packetsDropped: number;
    readonly packetsFromSource: number;
}

/** The GetMetricData request: every metric for the given gateways, or a SEARCH over the region's gateways. */
export function buildNatQuery(natGatewayIds: readonly string[] | undefined, start: Date, end: Date, periodS = 60): GetMetricDataCommandInput {
    const periodMs = periodS * 1000;
    const queries = NAT_METRICS.flatMap((metric): MetricDataQuery[] =>
        natGatewayIds && natGatewayIds.length > 0
            ? natGatewayIds.map((id, i) => ({
                  Id: `${metric.toLowerCase()}_${i}`,
                  Label: `${id} ${metric}`,
                  MetricStat: { Metric: { Namespace: NAT_NAMESPACE, MetricName: metric, Dimensions: [{ Name: NAT_DIMENSION, Value: id }] }, Period: periodS, Stat: "Sum" },
                  ReturnData: true,
              }))
            : // A dynamic label names each series' gateway (CloudWatch's ${PROP('Dim.<name>')}), as the MetricStat labels do.
              [{ Id: `${metric.toLowerCase()}_all`, Label: `\${PROP('Dim.${NAT_DIMENSION}')} ${metric}`, Expression: `SEARCH('{${NAT_NAMESPACE},${NAT_DIMENSION}} MetricName="${metric}"', 'Sum', ${periodS})`, ReturnData: true }],
    );
    return {
        StartTime: new Date(Math.floor(start.getTime() / periodMs) * periodMs),
        EndTime: new Date(Math.ceil(end.getTime() / periodMs) * periodMs),
        MetricDataQueries: queries,
        ScanBy: "TimestampAscending",
    };
}

/** Sums each metric over every gateway and data point of the answer, then judges the window. */
export function judgeNat(results: GetMetricDataCommandOutput["MetricDataResults"]): NatVerdict {
    const sums: Record<NatMetric, number> = { ErrorPortAllocation: 0, PacketsDropCount: 0, PacketsInFromSource: 0 };
    const gateways = new Set<string>();
    for (const r of results ?? []) {
        // By the label's metric name (each SEARCH series carries it), else by the query id.
        const metric = NAT_METRICS.find((m) => r.Label?.endsWith(` ${m}`)) ?? NAT_METRICS.find((m) => r.Id?.startsWith(`${m.toLowerCase()}_`));
        const total = (r.Values ?? []).reduce((a, b) => a + b, 0);
        if (metric) {
            sums[metric] += total;
            if (metric === "ErrorPortAllocation" && total > 0) {
                gateways.add((r.Label ?? "").split(" ")[0] || "a NAT gateway");
            }
        }
    }
    const figures = { portAllocationErrors: sums.ErrorPortAllocation, packetsDropped: sums.PacketsDropCount, packetsFromSource: sums.PacketsInFromSource };
    if (figures.portAllocationErrors > 0) {
        return {
            ...figures,
            clientBound: true,
            reason:
                `client-bound: NAT gateway ${[...gateways].join(", ")} could not allocate a source port ${figures.portAllocationErrors} time(s) (ErrorPortAllocation): ` +
                `the workers' path to the load balancer (at most ${NAT_CONNECTIONS_PER_DESTINATION.toLocaleString("en-US")} simultaneous connections per destination) limited the step, not the server`,
        };
    }
    if (figures.packetsDropped > 0 && figures.packetsDropped > MAX_DROP_SHARE * figures.packetsFromSource) {
        const share = figures.packetsFromSource > 0 ? ` (${((figures.packetsDropped / figures.packetsFromSource) * 100).toFixed(3)}% of the packets from the workers)` : "";
        return {
            ...figures,
            clientBound: true,
            reason: `client-bound: the NAT gateway dropped ${figures.packetsDropped} packets${share} (PacketsDropCount above ${MAX_DROP_SHARE * 100}%): the workers' path limited the step, not the server`,
        };
    }
    return { ...figures, clientBound: false };
}

/** Reads a window's NAT metrics; undefined without AWS credentials or on any AWS error (the step then stands as judged). */
export type NatReader = (start: Date, end: Date) => Promise<NatVerdict | undefined>;

/**
 * Seconds after a window's end before its NAT figures are read: CloudWatch publishes a minute's data point
 * some time after the minute ends, and a point read too early would be missing, not zero.
 */
export const NAT_METRICS_DELAY_S = 180;

/** The reader for a region: GetMetricData through the AWS SDK, all pages, once the window's data can be there. */
export function cloudWatchNatReader(
    region: string,
    natGatewayIds?: readonly string[],
    log: (line: string) => void = () => undefined,
    io: {
        readonly sleep?: (ms: number) => Promise<void>;
        /** One GetMetricData call (default: the AWS SDK's CloudWatch client in `region`). */
        readonly getMetricData?: (input: GetMetricDataCommandInput) => Promise<GetMetricDataCommandOutput>;
        readonly hasCredentials?: () => boolean;
    } = {},
): NatReader {
    const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const getMetricData =
        io.getMetricData ??
        (async (input: GetMetricDataCommandInput) => {
            const sdk = await import("@aws-sdk/client-cloudwatch");
            return new sdk.CloudWatchClient({ region }).send(new sdk.GetMetricDataCommand(input));
        });
    let toldNoCredentials = false;
    return async (start, end) => {
        if (!(io.hasCredentials ?? hasAwsCredentials)()) {
            if (!toldNoCredentials) {
                log(`the NAT gateway's port allocation errors are not checked (a phase they limited would count as the server's): ${NO_AWS_CREDENTIALS}`);
                toldNoCredentials = true;
            }
            return undefined;
        }
        const wait = end.getTime() + NAT_METRICS_DELAY_S * 1000 - Date.now();
        if (wait > 0) {
            log(`waiting ${Math.ceil(wait / 1000)} s for the NAT gateway's CloudWatch figures of the phases just run`);
            await sleep(wait);
        }
        try {
            const input = buildNatQuery(natGatewayIds, start, end);
            const results: NonNullable<GetMetricDataCommandOutput["MetricDataResults"]> = [];
            let token: string | undefined;
            do {
                const page = await getMetricData({ ...input, NextToken: token });
                results.push(...(page.MetricDataResults ?? []));
                token = page.NextToken;
            } while (token);
            return judgeNat(results);
        } catch (e) {
            log(`warning: NAT gateway metrics not read (${(e as Error).message}); steps are judged without them`);
            return undefined;
        }
    };
}
