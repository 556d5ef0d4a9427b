import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigError, loadConfig } from "../src/config.js";

const ENV = {
  MEDIA_SERVER_URL: "ws://media.internal/media",
  REDIS_URL: "redis://:secret@redis.internal:6379/0",
  SIP_INFO_DOMAIN: "sip.ringcentral.com",
  SIP_INFO_OUTBOUND_PROXY: "sip80.ringcentral.com:5096",
  SIP_INFO_USERNAME: "16505550100",
  SIP_INFO_PASSWORD: "p4ss",
  SIP_INFO_AUTHORIZATION_ID: "802512345678",
};

test("defaults match the control plane's (key prefix) and the task's stop timeout", () => {
  const config = loadConfig(ENV);
  assert.equal(config.redisKeyPrefix, "karla:");
  assert.equal(config.tokenWaitMs, 5000);
  assert.equal(config.drainMs, 110_000);
  assert.equal(config.logLevel, "info");
  assert.equal(config.sip.authorizationId, "802512345678");
});

test("every problem is reported at once", () => {
  const env = { ...ENV, MEDIA_SERVER_URL: "http://x", SIP_INFO_PASSWORD: "", MEDIA_TOKEN_WAIT_SECONDS: "soon" };
  assert.throws(
    () => loadConfig(env),
    (/** @type {unknown} */ error) =>
      error instanceof ConfigError &&
      /MEDIA_SERVER_URL must be a ws:\/\/ or wss:\/\/ URL/.test(error.message) &&
      /SIP_INFO_PASSWORD is required/.test(error.message) &&
      /MEDIA_TOKEN_WAIT_SECONDS must be a positive number of seconds/.test(error.message),
  );
});

test("LOG_LEVEL takes the Python names", () => {
  assert.equal(loadConfig({ ...ENV, LOG_LEVEL: "WARNING" }).logLevel, "warn");
  assert.throws(() => loadConfig({ ...ENV, LOG_LEVEL: "LOUD" }), /LOG_LEVEL must be one of/);
});
