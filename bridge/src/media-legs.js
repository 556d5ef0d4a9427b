/**
 * The media token of a ringing call, taken from Redis exactly once.
 *
 * The dispatcher leaves it under `{prefix}media-leg:{telephonySessionId}` when it dials
 * (shared/telephony/dialer.py, MediaLegs.publish), before the device rings; for an inbound
 * call the telephony webhook leaves it there as the call is routed to Karla, which may be
 * a moment after the INVITE. So the leg polls briefly, and takes the token with GETDEL:
 * whichever leg reads it is the only one that may attach the call.
 */

/**
 * @typedef {object} TokenStore  the one Redis command used (node-redis names it getDel)
 * @property {(key: string) => Promise<string | null | {}>} getDel
 *
 * @typedef {object} MediaTokens
 * @property {(telephonySessionId: string, waitMs: number) => Promise<string | null>} take
 */

/** @implements {MediaTokens} */
export class MediaLegs {
  /**
   * @param {TokenStore} redis
   * @param {string} prefix  REDIS_KEY_PREFIX, as the control plane's
   * @param {number} [pollMs]
   */
  constructor(redis, prefix, pollMs = 100) {
    this.redis = redis;
    this.prefix = prefix;
    this.pollMs = pollMs;
  }

  /** @param {string} telephonySessionId */
  key(telephonySessionId) {
    return `${this.prefix}media-leg:${telephonySessionId}`;
  }

  /**
   * The token, or null when none was there within `waitMs`.
   * @param {string} telephonySessionId
   * @param {number} waitMs
   */
  async take(telephonySessionId, waitMs) {
    const key = this.key(telephonySessionId);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const value = await this.redis.getDel(key);
      if (typeof value === "string" && value) return value;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollMs, left)));
    }
  }
}
