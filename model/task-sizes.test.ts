import * as assert from "assert";
import { allowedMemory, FARGATE_CPU_UNITS, validateTaskSize } from "./task-sizes";

describe("Fargate task sizes", () => {
    const accepted: [number, number][] = [
        [256, 512], [256, 2048], [512, 1024], [512, 4096], [1024, 2048], [1024, 8192],
        [2048, 4096], [2048, 16384], [4096, 8192], [4096, 30720], [8192, 16384], [8192, 61440], [16384, 32768], [16384, 122880],
    ];
    for (const [cpu, memory] of accepted) {
        it(`accepts ${cpu} CPU with ${memory} MiB`, () => assert.doesNotThrow(() => validateTaskSize(cpu, memory, "cpu", "memory")));
    }
    const refused: [unknown, unknown, string][] = [
        [500, 1024, 'Config "cpu" is 500; expected one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU).'],
        ["512", 1024, 'Config "cpu" is "512"; expected one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU).'],
        [512, 512, 'Config "memory" is 512; with cpu 512, Fargate accepts 1024 to 4096 MiB in steps of 1024.'],
        [256, 4096, 'Config "memory" is 4096; with cpu 256, Fargate accepts 512, 1024 to 2048 MiB in steps of 1024.'],
        [1024, 2500, 'Config "memory" is 2500; with cpu 1024, Fargate accepts 2048 to 8192 MiB in steps of 1024.'],
        [8192, 17408, 'Config "memory" is 17408; with cpu 8192, Fargate accepts 16384 to 61440 MiB in steps of 4096.'],
    ];
    for (const [cpu, memory, message] of refused) {
        it(`refuses ${JSON.stringify(cpu)} CPU with ${memory} MiB`, () => assert.throws(() => validateTaskSize(cpu, memory, "cpu", "memory"), { name: "ConfigError", message }));
    }
    it("lists memory for each CPU value in ascending order", () => {
        for (const cpu of FARGATE_CPU_UNITS) {
            const values = allowedMemory(cpu);
            assert.ok(values.length > 0);
            assert.deepStrictEqual([...values].sort((a, b) => a - b), values);
        }
        assert.deepStrictEqual(allowedMemory(512), [1024, 2048, 3072, 4096]);
        assert.deepStrictEqual(allowedMemory(3), []);
    });
});
