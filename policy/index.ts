// The policy pack Pulumi loads: `pulumi preview --policy-pack policy` (after `npm ci --prefix policy`).
// Every rule is mandatory: a preview or update that breaks the posture fails.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("dotnet-fargate-posture", {
    enforcementLevel: "mandatory",
    policies: POLICIES.map((policy) => ({
        name: policy.name,
        description: policy.description,
        validateResource: (args, reportViolation) =>
            policy.validate({ type: args.type, props: args.props as Record<string, unknown>, name: args.name }, (message) => reportViolation(message)),
    })),
});
