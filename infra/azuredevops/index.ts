// The Azure DevOps part of the program: config parsing, the component, and the provider binding.
export * from "./settings";
export * from "./pipelines";
export * as azuredevops from "@pulumi/azuredevops";
export * from "./aws-roles";
export * from "./delivery";
