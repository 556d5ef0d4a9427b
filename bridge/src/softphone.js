/**
 * The one module that knows the RingCentral softphone SDK (`ringcentral-softphone`).
 *
 * It registers the device over SIP/TLS with PCMU/8000, so RTP payloads are raw mu-law at
 * 8 kHz both ways (no Opus, no resampling), and adapts each INVITE and answered call
 * session to relay.js's `RingingLeg` / `PhoneCall`:
 * - audio: the session's "audioPacket" payloads in; out, each 20 ms frame is one
 *   `streamAudio` of exactly one packet, so the SDK keeps the RTP sequence, timestamp,
 *   SSRC and SRTP while the pacing stays in playout.js;
 * - DTMF: raw telephone-event packets ("dtmfPacket"), decoded once per press (dtmf.js);
 * - hang-up by the far end: the session's "disposed" (the SDK disposes on BYE);
 * - hangup: BYE, then dispose, which the SDK leaves undone after its own BYE (its UDP
 *   socket would stay open);
 * - transfer: the SDK's SIP REFER, which resolves when RingCentral reports the transfer
 *   target answered (NOTIFY 200).
 */

import Softphone from "ringcentral-softphone";

import { MULAW_FRAME_BYTES } from "./codec.js";
import { DtmfPresses } from "./dtmf.js";

/**
 * @typedef {import("ringcentral-softphone/call-session/inbound").default} SdkCall
 * @typedef {import("./relay.js").PhoneCall} PhoneCall
 * @typedef {import("./relay.js").RingingLeg} RingingLeg
 */

/**
 * Register the device and hand every INVITE to `onInvite`.
 * `ignoreTlsCertErrors` is the SDK's switch for a lab's SIP server (the tests' fake);
 * the configuration has no such setting, so production always verifies RingCentral's.
 * @param {import("./config.js").SipInfo & { ignoreTlsCertErrors?: boolean }} sip
 * @param {(leg: RingingLeg) => void} onInvite
 * @param {import("./log.js").Logger} log
 * @param {(reason: string) => void} onLost  the SIP connection is gone: no call can come
 * @returns {Promise<{ close: () => void }>}
 */
export async function registerDevice(sip, onInvite, log, onLost) {
  const softphone = new Softphone({ ...sip, codec: "PCMU/8000" });
  softphone.client.on("close", () => onLost("the SIP/TLS connection closed"));
  softphone.client.on("error", (error) => log.error({ error: error.message }, "sip_connection_error"));
  softphone.on("registrationError", (error) =>
    log.error({ error: String(error?.message ?? error) }, "sip_registration_failed"),
  );
  try {
    await softphone.register();
  } catch (error) {
    softphone.revoke();
    throw error;
  }
  log.info({ domain: sip.domain, proxy: sip.outboundProxy }, "sip_registered");
  softphone.on("invite", (invite) => {
    onInvite({
      sipCallId: invite.getHeader("Call-ID") ?? "",
      header: (name) => invite.getHeader(name),
      answer: async () => phoneCall(await softphone.answer(invite)),
      decline: () => softphone.decline(invite),
    });
  });
  return { close: () => softphone.revoke() };
}

/**
 * @param {SdkCall} session
 * @returns {PhoneCall}
 */
function phoneCall(session) {
  const presses = new DtmfPresses();
  return {
    onAudio: (listener) => session.on("audioPacket", (packet) => listener(packet.payload)),
    onDtmf: (listener) =>
      session.on("dtmfPacket", (packet) => {
        const digit = presses.receive(packet.payload, packet.header.timestamp);
        if (digit) listener(digit);
      }),
    onHangup: (listener) => session.once("disposed", listener),
    sendAudio: (frame) => {
      if (!session.disposed && frame.length === MULAW_FRAME_BYTES) session.streamAudio(frame);
    },
    hangup: async () => {
      if (session.disposed) return;
      await session.hangup();
      /** @type {{ dispose: () => void }} */ (/** @type {unknown} */ (session)).dispose();
    },
    transfer: (target) => session.transfer(target),
  };
}
