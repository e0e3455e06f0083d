export { startLocalStack, type LocalStack, type LocalStackOptions, type StackPlace } from "./local-stack.js";
export { ServiceProcess, type ServiceProcessOptions } from "./service-process.js";
export { findPortRun } from "./free-ports.js";
