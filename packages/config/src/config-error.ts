/** A configuration that cannot be used: the message lists every problem and where it came from. */
export class ConfigError extends Error {}
