export { loadConfig, ConfigError, type LoadConfigOptions } from "./load-config.js";
