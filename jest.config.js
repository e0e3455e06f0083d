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
  ],
};
