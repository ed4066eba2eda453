/** Public surface of lib/config: parse the environment once, pass the frozen KitConfig down. */
export { loadConfig, describeConfig } from "./load-config";
export type { EnvInput, EndpointSecret, LoadConfigOptions } from "./load-config";
export { readEnv, isConfigValidationSkipped } from "./env-source";
export { ENV_VAR_NAMES, MIN_SECRET_LENGTH } from "./schema";
export type { KitConfig, FailPolicy, RedisConfig, RedisSource, RuntimeEnv, EnvVarName } from "./schema";
