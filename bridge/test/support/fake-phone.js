/**
 * A phone leg as the softphone adapter presents one (relay.js's RingingLeg and PhoneCall),
 * with a line that behaves like a real phone's: once answered it sends a 20 ms mu-law
 * packet every 20 ms (silence, or the words it was given to say), and it records every
 * packet the bridge plays to it.
 */

import { EventEmitter } from "node:events";

import { MULAW_FRAME_BYTES, MULAW_SILENCE } from "../../src/codec.js";

/**
 * @param {string} telephonySessionId
 * @param {{ partyId?: string, from?: string, to?: string }} [parts]
 * @returns {Record<string, string>}
 */
export function inviteHeaders(telephonySessionId, parts = {}) {
  const partyId = parts.partyId ?? `p-${telephonySessionId.slice(2)}-1`;
  return {
    "P-Rc-Api-Ids": `party-id=${partyId};session-id=${telephonySessionId}`,
    From: `<sip:${parts.from ?? "+525512345678"}@sip.ringcentral.com>;tag=abc`,
    To: `<sip:${parts.to ?? "16505550100"}@sip.ringcentral.com>`,
  };
}

let calls = 0;

export class FakePhone extends EventEmitter {
  /** @param {Record<string, string>} headers */
  constructor(headers) {
    super();
    this.headers = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    this.sipCallId = `sip-call-${++calls}`;
    this.answered = false;
    this.declined = false;
    this.hungUp = false;
    /** @type {Buffer[]} every packet the bridge sent */
    this.packets = [];
    /** @type {string[]} */
    this.transfers = [];
    /** @type {"done" | "pending" | Error} how `transfer` ends: done, never, or failing */
    this.transferOutcome = "done";
    /** @type {Buffer[]} frames still to say */
    this.script = [];
    /** @type {NodeJS.Timeout | undefined} */
    this.line = undefined;
    /** @type {(mulaw: Buffer) => void} */
    this.audio = () => {};
    /** @type {(digit: string) => void} */
    this.dtmf = () => {};
    /** @type {() => void} */
    this.gone = () => {};
  }

  // --- RingingLeg ---
  /** @param {string} name */
  header(name) {
    return this.headers.get(name.toLowerCase());
  }

  async answer() {
    this.answered = true;
    this.emit("answered");
    return this.asCall();
  }

  async decline() {
    this.declined = true;
    this.emit("declined");
  }

  // --- PhoneCall ---
  /** @returns {import("../../src/relay.js").PhoneCall} */
  asCall() {
    return {
      onAudio: (listener) => {
        this.audio = listener;
      },
      onDtmf: (listener) => {
        this.dtmf = listener;
      },
      onHangup: (listener) => {
        this.gone = listener;
      },
      sendAudio: (frame) => {
        this.packets.push(frame);
        this.emit("packet", frame);
      },
      hangup: async () => {
        this.hungUp = true;
        this.stopLine();
        this.emit("hungup");
      },
      transfer: async (target) => {
        this.transfers.push(target);
        this.emit("transfer", target);
        if (this.transferOutcome instanceof Error) throw this.transferOutcome;
        if (this.transferOutcome === "pending") await new Promise(() => {});
      },
    };
  }

  // --- what the test does with the phone ---
  /** Start the line: a packet every 20 ms, as RTP flows once a call is up. */
  startLine() {
    let sent = 0;
    const origin = performance.now();
    const next = () => {
      const frame = this.script.shift() ?? MULAW_SILENCE;
      this.audio(frame);
      sent += 1;
      this.line = setTimeout(next, Math.max(0, origin + sent * 20 - performance.now()));
    };
    next();
  }

  stopLine() {
    clearTimeout(this.line);
    this.line = undefined;
  }

  /** @param {Buffer} mulaw  said over the next packets, 20 ms each */
  say(mulaw) {
    for (let at = 0; at + MULAW_FRAME_BYTES <= mulaw.length; at += MULAW_FRAME_BYTES) {
      this.script.push(mulaw.subarray(at, at + MULAW_FRAME_BYTES));
    }
  }

  /** @param {string} digit */
  press(digit) {
    this.dtmf(digit);
  }

  /** The driver hangs up (the SDK's "disposed" on BYE). */
  hangUpFarEnd() {
    this.stopLine();
    this.gone();
  }

  /** Packets that carried sound (not the line's silence). */
  get soundPackets() {
    return this.packets.filter((packet) => !packet.equals(MULAW_SILENCE)).length;
  }
}
