// Lint rules for the Pulumi program, its tests and the benchmark tool (TypeScript only).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["bin/**", "node_modules/**", "policy/node_modules/**", "services/**", "bench/results/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/no-floating-promises": "off",
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
);
