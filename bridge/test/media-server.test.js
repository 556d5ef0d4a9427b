/**
 * The relay against the real thing: `python -m media_server` with tokens the real
 * dispatcher issued and left in Redis, Postgres and Redis underneath (devstack/bridge_fixture.py).
 * The phone is a fake leg with a real-time line; what the server decides (turns, barge-in,
 * marks, the call's final record) is the server's own doing.
 */

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { createClient } from "@redis/client";

import { MediaLegs } from "../src/media-legs.js";
import { relayCall } from "../src/relay.js";
import { FakePhone, inviteHeaders } from "./support/fake-phone.js";
import { Karla } from "./support/karla.js";
import { CapturedLogs } from "./support/logs.js";
import { until } from "./support/wait.js";

const TONE_FRAMES = 50; // the load-test voice: one second of tone per sentence

/** @type {Karla} */
let karla;
/** @type {ReturnType<typeof createClient>} */
let redis;
/** @type {MediaLegs} */
let tokens;

before(
  async () => {
    karla = await Karla.start();
    redis = createClient({ url: karla.ready.redis_url });
    await redis.connect();
    tokens = new MediaLegs(redis, karla.ready.redis_key_prefix, 20);
  },
  { timeout: 120_000 },
);

after(async () => {
  await redis?.close();
  await karla?.stop();
});

/**
 * @param {FakePhone} phone
 * @param {CapturedLogs} logs
 * @param {Partial<import("../src/relay.js").RelayOptions>} [options]
 */
function relay(phone, logs, options = {}) {
  return relayCall(phone, {
    mediaServerUrl: karla.ready.media_url,
    tokens,
    tokenWaitMs: 2000,
    transferTimeoutMs: 5000,
    log: logs.log,
    ...options,
  });
}

test("a dialed call end to end: token once, a turn, a barge-in, a mark after its audio, hang-up", async () => {
  const { call_id, telephony_session_id } = await karla.dial();
  const hello = await karla.voice(0.5);
  const interruption = await karla.voice(1.0);
  const logs = new CapturedLogs();
  const phone = new FakePhone(inviteHeaders(telephony_session_id));
  const call = relay(phone, logs);

  await until(phone, "answered", () => phone.answered, "the bridge to answer");
  assert.equal(await redis.get(tokens.key(telephony_session_id)), null, "the token was taken");
  const start = await logs.waitFor("media_socket_open");
  assert.equal(start.call_id, telephony_session_id);
  phone.startLine();

  // Outbound, Karla listens first: the driver says hello, she answers.
  await karla.request("say", { text: "bueno quién habla", after_seconds: 0.8 });
  phone.say(hello);
  await until(phone, "packet", () => phone.soundPackets > 0, "Karla's reply", 10_000);

  // She is talking: the driver cuts in with words; the server clears, the bridge obeys.
  await karla.request("say", { text: "espere un momento por favor", after_seconds: 1.4 });
  phone.say(interruption);
  await logs.waitFor("playout_cleared", {}, 10_000);
  const cut = phone.soundPackets;
  assert.ok(cut < TONE_FRAMES, `the cut turn played ${cut} of ${TONE_FRAMES} frames`);

  // Her next turn plays in full, and only then does its mark go back.
  const mark = await logs.waitFor("mark_played", {}, 10_000);
  assert.equal(mark.name, "karla-1", "no mark for the turn the driver cut");
  const playedAtMark = phone.soundPackets;
  assert.equal(playedAtMark, cut + TONE_FRAMES, "the mark went back right after its audio");

  phone.press("5"); // the server takes DTMF without complaint
  phone.hangUpFarEnd();
  assert.equal(await call.done, "hangup");
  const record = await karla.request("call_ended", { call_id, timeout_seconds: 10 });
  assert.equal(record.status, "completed");
  assert.ok(record.stt_audio_seconds > 1, "the driver's audio reached the recogniser");
  assert.ok(!logs.find("media_socket_closed")?.code || logs.find("media_socket_closed")?.code === 1000);
});

test("one token, one leg: a second INVITE for the same call and an unknown call are declined", async () => {
  const { telephony_session_id } = await karla.dial();
  const logs = new CapturedLogs();
  const first = new FakePhone(inviteHeaders(telephony_session_id));
  const twin = new FakePhone(inviteHeaders(telephony_session_id));
  const stranger = new FakePhone(inviteHeaders("s-nobody-dialed-this"));
  const calls = [first, twin, stranger].map((phone) => relay(phone, logs, { tokenWaitMs: 500 }));

  assert.equal(await calls[1].done, "declined");
  assert.equal(await calls[2].done, "declined");
  assert.ok(first.answered && !twin.answered && !stranger.answered);
  const declined = logs.lines.filter((line) => line.event === "call_declined");
  assert.deepEqual(
    declined.map((line) => line.reason),
    ["no media token within 0.5 s", "no media token within 0.5 s"],
  );
  await logs.waitFor("media_socket_open");
  first.hangUpFarEnd();
  assert.equal(await calls[0].done, "hangup");
});

test("a token that comes after the INVITE (an inbound call) is waited for", async () => {
  const { telephony_session_id } = await karla.dial();
  const token = /** @type {string} */ (await redis.getDel(tokens.key(telephony_session_id)));
  const looked = new (await import("node:events")).EventEmitter();
  let lookups = 0;
  const watched = new MediaLegs(
    {
      getDel: async (key) => {
        const value = await redis.getDel(key);
        lookups += 1;
        looked.emit("lookup");
        return value;
      },
    },
    karla.ready.redis_key_prefix,
    20,
  );
  const logs = new CapturedLogs();
  const phone = new FakePhone(inviteHeaders(telephony_session_id, { partyId: "p-x-2" }));
  const call = relay(phone, logs, { tokens: watched });
  await until(looked, "lookup", () => lookups > 0, "the first token lookup");
  assert.equal(phone.answered, false);
  await karla.request("publish", { telephony_session_id, token });

  await until(phone, "answered", () => phone.answered, "the answer once the token is there");
  const open = await logs.waitFor("call_answered");
  assert.equal(open.direction, "inbound");
  await logs.waitFor("media_socket_open");
  phone.hangUpFarEnd();
  assert.equal(await call.done, "hangup");
});

test("a token the server refuses ends the leg, with the server's reason in the log", async () => {
  const telephony_session_id = `s-forged-${Date.now()}`;
  await karla.request("publish", { telephony_session_id, token: "mt1.forged.token" });
  const logs = new CapturedLogs();
  const phone = new FakePhone(inviteHeaders(telephony_session_id));
  const call = relay(phone, logs);

  assert.equal(await call.done, "server_closed");
  assert.ok(phone.answered && phone.hungUp, "answered, then hung up");
  const closed = await logs.waitFor("media_socket_closed");
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, "malformed media token");
  assert.equal(closed.level, "error");
});
