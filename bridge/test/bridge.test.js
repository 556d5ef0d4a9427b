/**
 * The device's call router: re-INVITEs of a live call, and the drain on SIGTERM.
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { Bridge } from "../src/bridge.js";
import { FakePhone, inviteHeaders } from "./support/fake-phone.js";
import { CapturedLogs } from "./support/logs.js";
import { ScriptedServer } from "./support/scripted-server.js";

/** @type {ScriptedServer} */
let server;
/** @type {CapturedLogs} */
let logs;
let takes = 0;

beforeEach(async () => {
  server = await ScriptedServer.start();
  logs = new CapturedLogs();
  takes = 0;
});

afterEach(async () => {
  await server.close();
});

function bridge() {
  return new Bridge({
    mediaServerUrl: server.url,
    tokens: {
      take: async () => {
        takes += 1;
        return "mt1.token";
      },
    },
    tokenWaitMs: 100,
    transferTimeoutMs: 1000,
    log: logs.log,
  });
}

test("a re-INVITE of a live call is not taken for a new call", async () => {
  const router = bridge();
  const phone = new FakePhone(inviteHeaders("s-1"));
  router.onInvite(phone);
  await server.started();
  const again = new FakePhone(inviteHeaders("s-1"));
  again.sipCallId = phone.sipCallId;
  router.onInvite(again);
  assert.equal((await logs.waitFor("reinvite_ignored")).sip_call_id, phone.sipCallId);
  assert.equal(takes, 1);
  assert.ok(!again.answered && !again.declined);
});

test("draining: new calls are declined, live ones get their grace, then stop error", async () => {
  const router = bridge();
  const live = new FakePhone(inviteHeaders("s-live"));
  router.onInvite(live);
  const socket = await server.started();
  const drained = router.drain(50);
  const late = new FakePhone(inviteHeaders("s-late"));
  router.onInvite(late);
  assert.ok(late.declined);
  await drained;
  assert.ok(live.hungUp);
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "error" });
  assert.equal(router.live.size, 0);
});

test("a call that ends during the drain lets the bridge go at once", async () => {
  const router = bridge();
  const live = new FakePhone(inviteHeaders("s-live"));
  router.onInvite(live);
  await server.started();
  const drained = router.drain(60_000);
  live.hangUpFarEnd();
  await drained;
  assert.equal(router.live.size, 0);
});
