/**
 * The bridge's settings, read once from the environment at start-up.
 *
 * Every problem is collected and reported together, so a misconfigured task stops with
 * one clear message instead of failing on its first call. The names match
 * infra/media-plane.yaml (MEDIA_SERVER_URL, REDIS_*, SIP_INFO_*, LOG_LEVEL).
 */

export class ConfigError extends Error {}

/**
 * @typedef {object} SipInfo
 * @property {string} domain
 * @property {string} outboundProxy
 * @property {string} username
 * @property {string} password
 * @property {string} authorizationId
 *
 * @typedef {object} BridgeConfig
 * @property {string} mediaServerUrl   ws(s)://host[:port]/media
 * @property {string} redisUrl
 * @property {string} redisKeyPrefix   the same namespace as the control plane's
 * @property {number} tokenWaitMs      how long a ringing leg waits for its media token
 * @property {number} transferTimeoutMs
 * @property {number} drainMs          on SIGTERM: how long live calls may go on
 * @property {string} logLevel         pino level name
 * @property {SipInfo} sip
 */

const LOG_LEVELS = new Set(["debug", "info", "warning", "warn", "error"]);

/**
 * @param {Record<string, string | undefined>} env
 * @returns {BridgeConfig}
 */
export function loadConfig(env) {
  /** @type {string[]} */
  const problems = [];
  /** @param {string} name */
  const required = (name) => {
    const value = (env[name] ?? "").trim();
    if (!value) problems.push(`${name} is required`);
    return value;
  };
  /**
   * @param {string} name
   * @param {number} fallback
   */
  const seconds = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback * 1000;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
    }
    return value * 1000;
  };

  const mediaServerUrl = required("MEDIA_SERVER_URL");
  if (mediaServerUrl && !/^wss?:\/\/[^/]+/.test(mediaServerUrl)) {
    problems.push("MEDIA_SERVER_URL must be a ws:// or wss:// URL");
  }
  const redisUrl = required("REDIS_URL");
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push("REDIS_URL must be a redis:// or rediss:// URL");
  }
  const logLevel = (env.LOG_LEVEL ?? "INFO").trim().toLowerCase();
  if (!LOG_LEVELS.has(logLevel)) {
    problems.push(`LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got ${env.LOG_LEVEL}`);
  }
  const config = {
    mediaServerUrl,
    redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? "karla:",
    tokenWaitMs: seconds("MEDIA_TOKEN_WAIT_SECONDS", 5),
    transferTimeoutMs: seconds("TRANSFER_TIMEOUT_SECONDS", 15),
    drainMs: seconds("BRIDGE_DRAIN_SECONDS", 110),
    logLevel: logLevel === "warning" ? "warn" : logLevel,
    sip: {
      domain: required("SIP_INFO_DOMAIN"),
      outboundProxy: required("SIP_INFO_OUTBOUND_PROXY"),
      username: required("SIP_INFO_USERNAME"),
      password: required("SIP_INFO_PASSWORD"),
      authorizationId: required("SIP_INFO_AUTHORIZATION_ID"),
    },
  };
  if (problems.length) throw new ConfigError(`bridge configuration: ${problems.join("; ")}`);
  return config;
}
