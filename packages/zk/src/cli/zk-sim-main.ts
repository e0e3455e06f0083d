import { runCli } from "./cli-error.js";
import { zkSim } from "./zk-sim.js";

runCli("zk-sim", () => zkSim(process.argv.slice(2), (line) => void process.stdout.write(line)));
