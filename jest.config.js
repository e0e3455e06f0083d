// One jest config for the monorepo: each workspace is a project, TypeScript compiled by swc.
const swc = ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }];

/** A workspace's tests under `testDir`, compiled by swc, with nodenext "./x.js" imports resolved to .ts. */
function project(displayName, rootDir, testDir = "test") {
  return {
    displayName,
    rootDir,
    testEnvironment: "node",
    testMatch: [`<rootDir>/${testDir}/**/*.test.ts`],
    transform: { "^.+\\.ts$": swc },
    moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    // Tests start real processes and servers on 2 shared cores: allow for a busy machine.
    testTimeout: 30_000,
  };
}

/** @type {import('jest').Config} */
module.exports = {
  // jest-circus reads the timeout from the global config only: the project-level one above is ignored.
  testTimeout: 30_000,
  projects: [
    project("zk", "packages/zk"),
    project("config", "packages/config"),
    project("grpc-kit", "packages/grpc-kit"),
    project("place", "services/place"),
    project("supervisor", "services/device-supervisor"),
    project("clickhouse", "packages/clickhouse"),
    project("aggregator", "services/aggregator"),
    // Cross-service tests: simulators, places, supervisors as real processes (build first).
    project("e2e", "test", "e2e"),
  ],
};
