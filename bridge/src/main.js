/**
 * `node src/main.js`: the RingCentral media bridge (a sidecar of the media server's task).
 *
 * Registers the device, relays every call it is rung for, and on SIGTERM stops taking
 * calls and lets the live ones end (ECS gives the container its StopTimeout) before it
 * hangs up what is left. A lost SIP connection ends the process: without it no call can
 * ring here, so the task is better replaced than left deaf.
 */

import process from "node:process";

import { createClient } from "@redis/client";

import { Bridge } from "./bridge.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { MediaLegs } from "./media-legs.js";
import { registerDevice } from "./softphone.js";

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  try {
    return await serve(config, log);
  } catch (error) {
    log.error({ error: String(error instanceof Error ? error.message : error) }, "bridge_failed");
    return 1;
  }
}

/**
 * @param {import("./config.js").BridgeConfig} config
 * @param {import("./log.js").Logger} log
 * @returns {Promise<number>} the exit code
 */
async function serve(config, log) {
  const redis = createClient({ url: config.redisUrl });
  redis.on("error", (error) => log.error({ error: String(error?.message ?? error) }, "redis_error"));
  await redis.connect();
  try {
    const bridge = new Bridge({
      mediaServerUrl: config.mediaServerUrl,
      tokens: new MediaLegs(redis, config.redisKeyPrefix),
      tokenWaitMs: config.tokenWaitMs,
      transferTimeoutMs: config.transferTimeoutMs,
      log,
    });
    /** @type {(code: number) => void} */
    let exit = () => {};
    /** @type {Promise<number>} */
    const exited = new Promise((resolve) => {
      exit = resolve;
    });
    const device = await registerDevice(
      config.sip,
      (leg) => bridge.onInvite(leg),
      log,
      (reason) => {
        log.error({ reason }, "sip_lost");
        exit(1);
      },
    );
    const stop = () => {
      log.info({}, "bridge_stopping");
      void bridge.drain(config.drainMs).then(() => exit(0));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      return await exited;
    } finally {
      device.close();
    }
  } finally {
    await redis.close();
  }
}

process.exitCode = await main();
