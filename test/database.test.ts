/**
 * The BookStore's database (`database` config) on both stacks, on and off: what RDS gets, who may reach it,
 * what the BookStore's task is given, and what it costs.
 *
 * Mocks cannot prove what RDS accepts. The contracts relied on, as documented by AWS: an RDS instance with
 * manageMasterUserPassword keeps `{username, password}` in a Secrets Manager secret reported as
 * masterUserSecrets[0].secretArn; ECS reads one JSON key of a secret with
 * `valueFrom: <arn>:<json-key>::` ("Pass Secrets Manager secrets through Amazon ECS environment variables");
 * `rds.force_ssl = 1` in the parameter group makes the server refuse connections without TLS. What the
 * connection string's TLS keywords make Npgsql do is shown against a real PostgreSQL by
 * services/tests/DotnetFargate.Tests/DatabaseTlsTests.cs; the CA file's content by rds-certificates.test.ts. The
 * property names are @pulumi/aws's (rds/instance.d.ts, the version in package-lock.json).
 */
import * as assert from "assert";
import { ARCHITECTURES } from "../model/architecture";
import { Database, DATABASE_ROOT_CERTIFICATE } from "../infra/database";
import { MOCK_ACCOUNT_ID, MOCK_REGION } from "../tools/offline";
import { EXPECTED, json, ofType, one, RecordedResource, runProgram } from "./harness";

const T = {
    instance: "aws:rds/instance:Instance",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

const app = (resources: RecordedResource[], name: string) => json(one(resources, T.taskDef, `${name}-task`).inputs.containerDefinitions)[0];
const env = (container: { environment: { name: string; value: string }[] }) => Object.fromEntries(container.environment.map((e) => [e.name, e.value]));

for (const stack of ARCHITECTURES) {
    describe(`the ${stack} stack with the BookStore on RDS`, () => {
        const prefix = `dotnet-fargate-${stack}`;
        const db = `${prefix}-bookstore`;
        let resources: RecordedResource[];
        let outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

        before(async () => {
            ({ resources, outputs } = await runProgram(stack, { config: { database: { enabled: true } } }));
        });

        it("runs PostgreSQL 17 on the architecture's instance class, private, encrypted, backed up, protected", () => {
            const instance = one(resources, T.instance, `${db}-db`).inputs;
            assert.strictEqual(instance.instanceClass, stack === "arm64" ? "db.t4g.small" : "db.t3.small");
            assert.strictEqual(instance.instanceClass, EXPECTED[stack].smallDatabase);
            assert.deepStrictEqual(
                [instance.engine, instance.engineVersion, instance.dbName, instance.username, instance.port],
                ["postgres", "17", "bookstore", "bookstore_admin", 5432],
            );
            assert.deepStrictEqual(
                [instance.allocatedStorage, instance.storageType, instance.storageEncrypted, instance.publiclyAccessible],
                [20, "gp3", true, false],
            );
            assert.strictEqual(instance.manageMasterUserPassword, true);
            assert.strictEqual(instance.password, undefined, "no password in the program or its state");
            assert.deepStrictEqual(
                [instance.backupRetentionPeriod, instance.deletionProtection, instance.skipFinalSnapshot, instance.finalSnapshotIdentifier, instance.copyTagsToSnapshot],
                [7, true, false, `${db}-final`, true],
            );
            assert.strictEqual(instance.caCertIdentifier, "rds-ca-rsa2048-g1");
            assert.strictEqual(instance.dbSubnetGroupName, `${db}-db-subnets`);
            assert.deepStrictEqual(one(resources, T.subnetGroup, `${db}-db-subnets`).inputs.subnetIds, ["subnet-private-a", "subnet-private-b"]);
        });

        it("makes the server refuse connections without TLS", () => {
            const params = one(resources, T.parameterGroup, `${db}-db-params`).inputs;
            assert.strictEqual(params.family, "postgres17");
            assert.deepStrictEqual(params.parameters, [{ name: "rds.force_ssl", value: "1" }]);
            assert.strictEqual(one(resources, T.instance, `${db}-db`).inputs.parameterGroupName, `${db}-db-params`);
        });

        it("lets only the BookStore's tasks reach it, on 5432", () => {
            const dbSg = `${db}-db-sg-id`;
            assert.deepStrictEqual(one(resources, T.instance, `${db}-db`).inputs.vpcSecurityGroupIds, [dbSg]);
            const rule = (r: RecordedResource) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId];
            assert.deepStrictEqual(ofType(resources, T.ingress).filter((r) => r.inputs.securityGroupId === dbSg).map(rule), [[dbSg, 5432, 5432, "tcp", `${prefix}-bookstore-sg-id`]]);
            assert.deepStrictEqual(ofType(resources, T.egress).filter((r) => r.inputs.securityGroupId === dbSg).map(rule), [], "the database has no way out");
            const toDb = ofType(resources, T.egress).filter((r) => r.inputs.referencedSecurityGroupId === dbSg).map(rule);
            assert.deepStrictEqual(toDb, [[`${prefix}-bookstore-sg-id`, 5432, 5432, "tcp", dbSg]], "only the BookStore's tasks may go to it");
        });

        it("gives the BookStore its store, where the database is, and the password as a secret; nothing to the others", () => {
            const bookstore = app(resources, `${prefix}-bookstore`);
            const secretArn = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:secret:rds!db-`;
            assert.strictEqual(env(bookstore).BookStore__Store, "postgres");
            assert.strictEqual(
                env(bookstore).ConnectionStrings__BookStore,
                `Host=${db}.abcdefghijkl.${MOCK_REGION}.rds.amazonaws.com;Port=5432;Database=bookstore;Username=bookstore_admin;SSL Mode=VerifyFull;Root Certificate=/etc/ssl/certs/rds/rds-global-bundle.pem`,
            );
            assert.strictEqual(DATABASE_ROOT_CERTIFICATE, "/etc/ssl/certs/rds/rds-global-bundle.pem", "where the Dockerfiles copy services/certs/");
            assert.strictEqual(bookstore.secrets.length, 1);
            assert.strictEqual(bookstore.secrets[0].name, "BookStore__DatabasePassword");
            assert.ok(bookstore.secrets[0].valueFrom.startsWith(secretArn), bookstore.secrets[0].valueFrom);
            assert.ok(bookstore.secrets[0].valueFrom.endsWith(":password::"), "the JSON key `password` of the RDS-managed secret, current version");
            assert.strictEqual(bookstore.secrets[0].valueFrom, `${outputs.database.secretArn}:password::`);
            // The task reads the password once; RDS's default 7-day rotation is turned off on that same secret.
            const rotation = one(resources, "aws:secretsmanager/secretRotation:SecretRotation", `${db}-db-password-rotation`).inputs;
            assert.deepStrictEqual([rotation.secretId, rotation.rotationEnabled, rotation.rotationRules], [outputs.database.secretArn, false, undefined]);

            const prime = app(resources, `${prefix}-prime`);
            assert.strictEqual(prime.secrets, undefined);
            assert.deepStrictEqual(Object.keys(env(prime)), ["ShutdownDrainSeconds", "ShutdownTimeoutSeconds", "ASPNETCORE_HTTP_PORTS"]);
        });

        it("lets the BookStore's execution role read exactly that secret, and no other role any", () => {
            const statements = json(one(resources, T.rolePolicy, `${prefix}-bookstore-execution`).inputs.policy).Statement;
            assert.deepStrictEqual(statements.find((s: { Sid: string }) => s.Sid === "ReadAppSecrets"), {
                Sid: "ReadAppSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [outputs.database.secretArn],
            });
            const prime = json(one(resources, T.rolePolicy, `${prefix}-prime-execution`).inputs.policy).Statement;
            assert.ok(!JSON.stringify(prime).includes("secretsmanager"), JSON.stringify(prime));
        });

        it("exports the database and adds its price at the architecture's rate to the estimate", () => {
            assert.deepStrictEqual({ ...outputs.database, secretArn: undefined }, {
                engine: "postgres",
                engineVersion: "17",
                instanceClass: EXPECTED[stack].smallDatabase,
                address: `${db}.abcdefghijkl.${MOCK_REGION}.rds.amazonaws.com`,
                port: 5432,
                secretArn: undefined,
            });
            const cost = outputs.estimatedMonthlyCostUsd;
            assert.strictEqual(cost.database, stack === "arm64" ? 25.66 : 28.58);
            const parts = cost.fargateVcpu + cost.fargateMemory + cost.loadBalancer + cost.natGateway + cost.publicIpv4 + cost.database;
            assert.strictEqual(cost.total, Math.round(parts * 100) / 100);
        });
    });

    describe(`the ${stack} stack without a database (the default)`, () => {
        let resources: RecordedResource[];
        let outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        before(async () => {
            ({ resources, outputs } = await runProgram(stack));
        });
        it("declares no RDS resource, gives the BookStore its in-memory store and costs nothing for it", () => {
            assert.deepStrictEqual(resources.filter((r) => r.type.startsWith("aws:rds/")).map((r) => r.name), []);
            assert.strictEqual(env(app(resources, `dotnet-fargate-${stack}-bookstore`)).BookStore__Store, undefined);
            assert.strictEqual(app(resources, `dotnet-fargate-${stack}-bookstore`).secrets, undefined);
            assert.ok(!("database" in outputs), "no database output at all");
            assert.strictEqual(outputs.estimatedMonthlyCostUsd.database, 0);
        });
    });
}

describe("database options", () => {
    it("sizes the class per architecture and honours the user's backup and deletion choices", async () => {
        const config = { database: { enabled: true, size: "large", engineVersion: "16", allocatedStorageGb: 100, backupRetentionDays: 30, deletionProtection: false, skipFinalSnapshot: true } };
        for (const [stack, instanceClass] of [["arm64", "db.m7g.large"], ["amd64", "db.m7i.large"]] as const) {
            const { resources, outputs } = await runProgram(stack, { config });
            const cost = outputs.estimatedMonthlyCostUsd as { database: number };
            const instance = one(resources, T.instance, `dotnet-fargate-${stack}-bookstore-db`).inputs;
            assert.deepStrictEqual(
                [instance.instanceClass, instance.engineVersion, instance.allocatedStorage, instance.backupRetentionPeriod, instance.deletionProtection, instance.skipFinalSnapshot, instance.finalSnapshotIdentifier],
                [instanceClass, "16", 100, 30, false, true, undefined],
            );
            assert.strictEqual(one(resources, T.parameterGroup, `dotnet-fargate-${stack}-bookstore-db-params`).inputs.family, "postgres16");
            // db.m7g.large $0.168/h or db.m7i.large $0.187/h for 730 h, and 100 GB of gp3 at $0.115/GB-month.
            assert.strictEqual(cost.database, stack === "arm64" ? 134.14 : 148.01);
        }
    });

    it("refuses a database without the BookStore before declaring anything", async () => {
        await assert.rejects(runProgram("arm64", { config: { services: ["prime"], database: { enabled: true } } }), {
            message: /Config "dotnet-fargate:database.enabled" is true; the database is the bookstore service's store/,
        });
    });

    const args = { vpcId: "vpc-1", subnetIds: ["a", "b"], instanceClass: "db.t4g.small", engineVersion: "17", allocatedStorageGb: 20, backupRetentionDays: 7, deletionProtection: true, skipFinalSnapshot: false };
    const refused: [string, Partial<typeof args>, RegExp][] = [
        ["an instance class that is not one", { instanceClass: "t4g.small" }, /Database: argument "instanceClass" is "t4g.small"; expected an RDS instance class such as db.t4g.small/],
        ["an engine version it is not tested with", { engineVersion: "12" }, /"engineVersion" is "12"; expected one of 16, 17/],
        ["storage below gp3's minimum", { allocatedStorageGb: 10 }, /"allocatedStorageGb" is 10; expected a whole number of GB from 20 to 65536/],
        ["no backups", { backupRetentionDays: 0 }, /"backupRetentionDays" is 0; expected a whole number of days from 1 to 35/],
    ];
    for (const [title, change, message] of refused) {
        it(`the component refuses ${title}`, () => {
            assert.throws(() => new Database("db", { ...args, ...change }), { name: "ArgumentError", message });
        });
    }
});
