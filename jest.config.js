// One jest config for the monorepo: each workspace is a project, TypeScript compiled by swc.
const swc = ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: "zk",
      rootDir: "packages/zk",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      // Sources import "./x.js" (nodenext); jest resolves those to the .ts files.
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      displayName: "grpc-kit",
      rootDir: "packages/grpc-kit",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      displayName: "place",
      rootDir: "services/place",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      displayName: "supervisor",
      rootDir: "services/device-supervisor",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      displayName: "clickhouse",
      rootDir: "packages/clickhouse",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      displayName: "aggregator",
      rootDir: "services/aggregator",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
    {
      // Cross-service tests: simulators, places and supervisors as real processes (build first).
      displayName: "e2e",
      rootDir: "test",
      testEnvironment: "node",
      testMatch: ["<rootDir>/e2e/**/*.test.ts"],
      transform: { "^.+\\.ts$": swc },
      moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
    },
  ],
};
