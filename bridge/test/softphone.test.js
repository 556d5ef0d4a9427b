/**
 * The SDK adapter with the real `ringcentral-softphone` underneath, against a local SIP/TLS
 * and SRTP stand-in for RingCentral (support/fake-sip.js), relaying to a scripted media
 * server: registration, a ringing INVITE answered with PCMU, audio both ways through
 * SRTP, RFC 4733 key presses, and the ends of a call (BYE either way, REFER).
 */

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { MULAW_SILENCE, mulawToPcm16, pcm16ToMulaw } from "../src/codec.js";
import { Bridge } from "../src/bridge.js";
import { registerDevice } from "../src/softphone.js";
import { FakeSip } from "./support/fake-sip.js";
import { CapturedLogs } from "./support/logs.js";
import { ScriptedServer } from "./support/scripted-server.js";
import { until } from "./support/wait.js";

/** @type {FakeSip} */
let sip;
/** @type {ScriptedServer} */
let media;
/** @type {{ close: () => void }} */
let device;
const logs = new CapturedLogs();
let lost = "";

before(async () => {
  sip = await FakeSip.start();
  media = await ScriptedServer.start();
  const bridge = new Bridge({
    mediaServerUrl: media.url,
    tokens: { take: async (id) => `mt1.token-for-${id}` },
    tokenWaitMs: 100,
    transferTimeoutMs: 2000,
    log: logs.log,
  });
  device = await registerDevice(
    {
      domain: "sip.ringcentral.com",
      outboundProxy: sip.proxy,
      username: "16505550100",
      password: "not-a-real-password",
      authorizationId: "802512345678",
      ignoreTlsCertErrors: true,
    },
    (leg) => bridge.onInvite(leg),
    logs.log,
    (reason) => {
      lost = reason;
    },
  );
});

after(async () => {
  device?.close();
  await media?.close();
  await sip?.close();
  assert.equal(lost, "", "the SIP connection stayed up");
});

/** @param {number} n  which call of the file (each rings a new socket) */
async function ring(n) {
  const session = `s-sip-${n}`;
  sip.ring({ "P-Rc-Api-Ids": `party-id=p-sip-${n}-1;session-id=${session}` });
  const socket = await media.started(n);
  await sip.mediaUp();
  return { session, socket };
}

test("registration, then an INVITE answered with the call's token, audio both ways, keys, BYE", async () => {
  assert.ok(sip.received.some((m) => m.subject.startsWith("REGISTER sip:sip.ringcentral.com")));
  const { session, socket } = await ring(0);
  assert.deepEqual(socket.messages[0], {
    type: "start",
    v: 1,
    media_token: `mt1.token-for-${session}`,
    call_id: session,
    from: "+16505550100",
    to: "+525512345678",
    direction: "outbound",
  });
  const ok = sip.received.find((m) => m.subject.startsWith("SIP/2.0 200"));
  assert.match(ok?.body ?? "", /a=rtpmap:0 PCMU\/8000/);

  // The driver's audio, SRTP in, PCM16 up.
  const words = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff));
  for (let i = 0; i < 3; i++) sip.sendRtp(0, words, 1000 + i * 160);
  await media.until(() => socket.audio.length >= 3, "three frames up");
  assert.deepEqual(socket.audio.slice(0, 3), [1, 2, 3].map(() => mulawToPcm16(words)));

  // Karla's audio, PCM16 down, SRTP out: one packet per 20 ms frame.
  const karla = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) karla.writeInt16LE(Math.round(3000 * Math.sin(i / 5)), i * 2);
  socket.socket.send(karla);
  socket.socket.send(karla);
  const sounds = () => sip.audio.filter((p) => !p.equals(MULAW_SILENCE));
  await until(sip, "rtp", () => sounds().length >= 2, "Karla's packets");
  assert.deepEqual(sounds(), [pcm16ToMulaw(karla), pcm16ToMulaw(karla)]);
  assert.ok(sip.audio.every((p) => p.length === 160));

  // Two presses, each several telephone-event packets: two dtmf messages.
  for (const [event, timestamp] of [[5, 9000], [11, 9800]]) {
    for (const end of [0, 0x80, 0x80, 0x80]) sip.sendRtp(101, Buffer.from([event, end | 10, 0, 160]), timestamp);
    await media.until(() => socket.messages.filter((m) => m.type === "dtmf").length === (event === 5 ? 1 : 2), "a key");
  }
  assert.deepEqual(socket.messages.filter((m) => m.type === "dtmf").map((m) => m.digit), ["5", "#"]);

  sip.bye();
  assert.deepEqual(await media.message(socket, "stop"), { type: "stop", reason: "hangup" });
});

test("the server's hangup sends BYE for the call", async () => {
  const { socket } = await ring(1);
  socket.socket.send(JSON.stringify({ type: "hangup", reason: "karla_hung_up" }));
  const bye = await sip.request("BYE ");
  assert.equal(bye.headers["call-id"], sip.call?.callId);
  assert.deepEqual(await media.message(socket, "stop"), { type: "stop", reason: "hangup" });
});

test("transfer is a SIP REFER to the target; RingCentral's NOTIFY 200 completes it", async () => {
  const { socket } = await ring(2);
  socket.socket.send(JSON.stringify({ type: "transfer", target: "+525598765432", context: {} }));
  const refer = await sip.request("REFER ");
  assert.equal(refer.headers["refer-to"], "sip:+525598765432@sip.ringcentral.com");
  assert.deepEqual(await media.message(socket, "stop"), { type: "stop", reason: "transfer" });
});
