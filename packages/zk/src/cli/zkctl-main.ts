import { runCli } from "./cli-error.js";
import { zkctl } from "./zkctl.js";
import { processOutput } from "./zkctl-output.js";

runCli("zkctl", () => zkctl(process.argv.slice(2), processOutput));
