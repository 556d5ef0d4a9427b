/**
 * The relay's side of Karla's media protocol, exactly, against a scripted media server and
 * a fake phone leg: what goes up (start, audio, dtmf, mark, stop), what the phone gets
 * (paced packets, clear, hang-up, transfer) and how each side's ending ends the other.
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { MULAW_SILENCE, mulawToPcm16, pcm16ToMulaw } from "../src/codec.js";
import { relayCall } from "../src/relay.js";
import { FakePhone, inviteHeaders } from "./support/fake-phone.js";
import { CapturedLogs } from "./support/logs.js";
import { ScriptedServer } from "./support/scripted-server.js";
import { until } from "./support/wait.js";

const SESSION = "s-a0d7bc131844fz196cfb6059dz833984b0000";
const TOKEN = "mt1.token-of-the-call";

/** @type {ScriptedServer} */
let server;
/** @type {CapturedLogs} */
let logs;

beforeEach(async () => {
  server = await ScriptedServer.start();
  logs = new CapturedLogs();
});

afterEach(async () => {
  await server.close();
});

/**
 * A call rung to the bridge; `tokens` holds what Redis would.
 * @param {{ tokens?: Record<string, string>, headers?: Record<string, string>, url?: string, reconnects?: number }} [given]
 */
function ring(given = {}) {
  const phone = new FakePhone(given.headers ?? inviteHeaders(SESSION));
  const held = new Map(Object.entries(given.tokens ?? { [SESSION]: TOKEN }));
  const relay = relayCall(phone, {
    mediaServerUrl: given.url ?? server.url,
    tokens: {
      take: async (id) => {
        const token = held.get(id) ?? null;
        held.delete(id);
        return token;
      },
    },
    tokenWaitMs: 100,
    transferTimeoutMs: 1000,
    log: logs.log,
    reconnects: given.reconnects,
    reconnectDelayMs: 10,
  });
  return { phone, relay };
}

/** @param {number} level  a PCM16 frame of one constant sample value */
function pcmFrame(level) {
  const frame = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) frame.writeInt16LE(level, i * 2);
  return frame;
}

test("the start names the call, its token and its parties; phone audio goes up as PCM16", async () => {
  const { phone } = ring();
  const socket = await server.started();
  assert.deepEqual(socket.messages[0], {
    type: "start",
    v: 1,
    media_token: TOKEN,
    call_id: SESSION,
    from: "+16505550100",
    to: "+525512345678",
    direction: "outbound",
  });
  const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => i));
  phone.audio(payload);
  await server.until(() => socket.audio.length === 1, "one audio frame");
  assert.equal(socket.audio[0].length, 320);
  assert.deepEqual(socket.audio[0], mulawToPcm16(payload));
  assert.ok(!logs.lines.some((line) => JSON.stringify(line).includes(TOKEN)), "no token in the logs");
});

test("Karla's frames reach the phone in order as mu-law, each mark right after its frames", async () => {
  const { phone } = ring();
  const socket = await server.started();
  /** @type {Record<string, number>} sound packets the phone had when each mark was played */
  const heard = {};
  logs.on("line", (line) => {
    if (line.event === "mark_played") heard[line.name] = phone.soundPackets;
  });
  const frames = [1000, 2000, 3000, 4000, 5000].map(pcmFrame);
  for (const frame of frames.slice(0, 3)) socket.socket.send(frame);
  socket.socket.send(JSON.stringify({ type: "mark", name: "a" }));
  for (const frame of frames.slice(3)) socket.socket.send(frame);
  socket.socket.send(JSON.stringify({ type: "mark", name: "b" }));

  await server.until(() => socket.messages.filter((m) => m.type === "mark").length === 2, "marks");
  assert.deepEqual(
    socket.messages.filter((m) => m.type === "mark"),
    [
      { type: "mark", name: "a" },
      { type: "mark", name: "b" },
    ],
  );
  assert.deepEqual(heard, { a: 3, b: 5 });
  const sound = phone.packets.filter((packet) => !packet.equals(MULAW_SILENCE));
  assert.deepEqual(sound, frames.map(pcm16ToMulaw));
  assert.ok(phone.packets.every((packet) => packet.length === 160), "20 ms packets only");
});

test("clear drops the queued audio and its marks (barge-in); later marks still come back", async () => {
  const { phone } = ring();
  const socket = await server.started();
  for (let i = 0; i < 50; i++) socket.socket.send(pcmFrame(3000));
  socket.socket.send(JSON.stringify({ type: "mark", name: "cut-turn" }));
  socket.socket.send(JSON.stringify({ type: "clear" }));
  const cleared = await logs.waitFor("playout_cleared");
  assert.ok(cleared.dropped_frames > 40, `dropped ${cleared.dropped_frames} queued frames`);

  socket.socket.send(pcmFrame(1000));
  socket.socket.send(JSON.stringify({ type: "mark", name: "next-turn" }));
  await server.message(socket, "mark");
  assert.deepEqual(
    socket.messages.filter((m) => m.type === "mark").map((m) => m.name),
    ["next-turn"],
  );
  assert.equal(phone.soundPackets, 50 - cleared.dropped_frames + 1);
});

test("a key press goes up as dtmf", async () => {
  const { phone } = ring();
  const socket = await server.started();
  phone.press("#");
  assert.deepEqual(await server.message(socket, "dtmf"), { type: "dtmf", digit: "#" });
});

test("the driver hanging up sends stop hangup and closes the socket", async () => {
  const { phone, relay } = ring();
  const socket = await server.started();
  phone.hangUpFarEnd();
  assert.equal(await relay.done, "hangup");
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "hangup" });
  await server.until(() => socket.closed !== undefined, "the socket to close");
  assert.equal(socket.closed?.code, 1000);
  assert.equal(phone.hungUp, false, "nothing left to hang up");
});

test("the server's hangup hangs up the phone, then stop hangup", async () => {
  const { phone, relay } = ring();
  const socket = await server.started();
  socket.socket.send(JSON.stringify({ type: "hangup", reason: "done" }));
  assert.equal(await relay.done, "server_hangup");
  assert.ok(phone.hungUp);
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "hangup" });
});

test("a close with a reason hangs up the phone and logs why", async () => {
  const { phone, relay } = ring();
  const socket = await server.started();
  socket.socket.close(1008, "media token expired");
  assert.equal(await relay.done, "server_closed");
  assert.ok(phone.hungUp);
  const closed = await logs.waitFor("media_socket_closed");
  assert.deepEqual([closed.code, closed.reason, closed.level], [1008, "media token expired", "error"]);
});

test("transfer moves the call to the target, then stop transfer; the context is not logged", async () => {
  const { phone, relay } = ring();
  const socket = await server.started();
  const context = { motivo: "solicitud", resumen: "el operador pidió hablar con alguien" };
  socket.socket.send(JSON.stringify({ type: "transfer", target: "+525598765432", context }));
  assert.equal(await relay.done, "transfer");
  assert.deepEqual(phone.transfers, ["+525598765432"]);
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "transfer" });
  const asked = await logs.waitFor("transfer_requested");
  assert.deepEqual(asked.context_keys, ["motivo", "resumen"]);
  assert.ok(!JSON.stringify(logs.lines).includes("pidió hablar"), "context values stay out of logs");
  assert.equal(asked.target, "+52******5432");
});

test("a transfer RingCentral ends by hanging up our leg counts as done", async () => {
  const { phone, relay } = ring();
  const socket = await server.started();
  phone.transferOutcome = "pending"; // the NOTIFY never comes: the BYE says it all
  socket.socket.send(JSON.stringify({ type: "transfer", target: "+525598765432", context: {} }));
  await logs.waitFor("transfer_requested");
  phone.hangUpFarEnd();
  assert.equal(await relay.done, "transfer");
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "transfer" });
});

test("a failed transfer ends the call with stop error", async () => {
  const { phone, relay } = ring();
  phone.transferOutcome = new Error("SIP/2.0 503 Service Unavailable");
  const socket = await server.started();
  socket.socket.send(JSON.stringify({ type: "transfer", target: "+525598765432", context: {} }));
  assert.equal(await relay.done, "error");
  assert.ok(phone.hungUp);
  assert.deepEqual(await server.message(socket, "stop"), { type: "stop", reason: "error" });
  assert.equal((await logs.waitFor("transfer_failed")).error, "SIP/2.0 503 Service Unavailable");
});

test("a restarting server (1012) gets the same token on a new socket, and the call goes on", async () => {
  const { phone } = ring();
  const first = await server.started(0);
  first.socket.close(1012, "media server restarting");
  const second = await server.started(1);
  assert.equal(second.messages[0].media_token, TOKEN);
  phone.press("1");
  assert.deepEqual(await server.message(second, "dtmf"), { type: "dtmf", digit: "1" });
});

test("no media server to reach: the phone is hung up once the retries are spent", async () => {
  const { phone, relay } = ring({ url: "ws://127.0.0.1:9/media", reconnects: 2 });
  assert.equal(await relay.done, "server_closed");
  assert.ok(phone.answered && phone.hungUp);
  assert.equal(logs.lines.filter((line) => line.event === "media_socket_reconnecting").length, 2);
});

test("no token within the wait: the leg is declined, no socket opened", async () => {
  const { phone, relay } = ring({ tokens: {} });
  assert.equal(await relay.done, "declined");
  assert.ok(phone.declined && !phone.answered);
  assert.equal((await logs.waitFor("call_declined")).reason, "no media token within 0.1 s");
  assert.equal(server.connections.length, 0);
});

test("an INVITE that names no telephony session is declined with that reason", async () => {
  const { phone, relay } = ring({ headers: { From: "<sip:+525512345678@sip.ringcentral.com>" } });
  assert.equal(await relay.done, "declined");
  assert.ok(phone.declined);
  assert.match((await logs.waitFor("call_declined")).reason, /no P-Rc-Api-Ids session-id/);
});

test("the playout keeps the line alive with silence before Karla speaks", async () => {
  const { phone } = ring();
  await server.started();
  await until(phone, "packet", () => phone.packets.length >= 3, "three packets");
  assert.ok(phone.packets.every((packet) => packet.equals(MULAW_SILENCE)));
});
