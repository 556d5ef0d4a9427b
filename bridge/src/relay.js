/**
 * One phone call relayed to Karla's media server (docs/media-protocol.md).
 *
 * A ringing leg is answered only once its media token is in hand: the INVITE names the
 * telephony session, the token waits in Redis under it. No token, no answer: the leg is
 * declined and the reason logged. Once answered, the call's audio flows both ways over one
 * WebSocket: mu-law RTP payloads from the phone go up as PCM16, Karla's PCM16 frames come
 * down into the paced playout (see playout.js); marks, clear, dtmf, transfer and hangup
 * map onto the phone leg, and whichever side ends the call ends it for the other.
 *
 * A socket the server drops without ending the call (a restart: 1012, a lost connection:
 * 1006) is opened again with the same token, to whichever instance the load balancer
 * picks; the call resumes there from its session in Redis. Any other close ends the
 * phone leg, with the server's reason in the log.
 *
 * This module knows nothing of the softphone SDK: softphone.js adapts a SIP call session to
 * the `RingingLeg` / `PhoneCall` interfaces below, and tests drive a fake one.
 */

import WebSocket from "ws";

import { FrameCutter, PCM16_FRAME_BYTES, mulawToPcm16, pcm16ToMulaw } from "./codec.js";
import { maskPhone } from "./log.js";
import { Playout, systemClock } from "./playout.js";
import { UnknownCall, callIdentity } from "./sip-identity.js";

/**
 * @typedef {object} PhoneCall  an answered SIP leg
 * @property {(listener: (mulaw: Buffer) => void) => void} onAudio   RTP payloads as they come
 * @property {(listener: (digit: string) => void) => void} onDtmf    one call per key press
 * @property {(listener: () => void) => void} onHangup              the far end hung up
 * @property {(mulaw: Buffer) => void} sendAudio                     one 20 ms RTP packet
 * @property {() => Promise<void>} hangup
 * @property {(target: string) => Promise<void>} transfer            resolves once transferred
 *
 * @typedef {object} RingingLeg  an INVITE not answered yet
 * @property {string} sipCallId
 * @property {(name: string) => string | undefined} header  case-insensitive
 * @property {() => Promise<PhoneCall>} answer
 * @property {() => Promise<void>} decline
 *
 * @typedef {object} RelayOptions
 * @property {string} mediaServerUrl
 * @property {import("./media-legs.js").MediaTokens} tokens
 * @property {number} tokenWaitMs
 * @property {number} transferTimeoutMs
 * @property {import("./log.js").Logger} log
 * @property {number} [answerTimeoutMs]
 * @property {number} [reconnects]        socket re-openings allowed per call
 * @property {number} [reconnectDelayMs]
 * @property {import("./playout.js").Clock} [clock]
 */

const RESUMABLE_CLOSES = new Set([1001, 1006, 1012, 1013]);
const MAX_PENDING_FRAMES = 50; // phone audio held while the socket (re)opens: 1 s

/**
 * How the call ended for the bridge.
 * @typedef {"declined" | "unanswered" | "hangup" | "transfer" | "server_hangup" | "server_closed" | "error" | "aborted"} RelayEnd
 */

/**
 * Answer `leg` if its media token comes, and relay the call until either side ends it.
 * @param {RingingLeg} leg
 * @param {RelayOptions} options
 * @returns {CallRelay}
 */
export function relayCall(leg, options) {
  const relay = new CallRelay(leg, options);
  relay.done = relay.run();
  return relay;
}

export class CallRelay {
  /**
   * @param {RingingLeg} leg
   * @param {RelayOptions} options
   */
  constructor(leg, options) {
    this.leg = leg;
    this.options = options;
    this.log = options.log.child({ sip_call_id: leg.sipCallId });
    /** @type {Promise<RelayEnd>} */
    this.done = Promise.resolve(/** @type {RelayEnd} */ ("aborted"));
    /** @type {PhoneCall | undefined} */
    this.call = undefined;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.token = "";
    /** @type {import("./sip-identity.js").CallIdentity | undefined} */
    this.identity = undefined;
    this.playout = /** @type {Playout | undefined} */ (undefined);
    this.down = new FrameCutter(PCM16_FRAME_BYTES);
    /** @type {Buffer[]} */
    this.pending = [];
    this.started = false; // the current socket carried our start
    this.stopped = false; // we sent stop: nothing more goes up
    this.transferring = false;
    /** @type {() => void} */
    this.phoneLeft = () => {};
    /** @type {Promise<void>} resolves when the far end hangs up */
    this.phoneGone = new Promise((resolve) => {
      this.phoneLeft = resolve;
    });
    this.reconnectsLeft = options.reconnects ?? 3;
    this.aborted = false; // shutting down: a leg still ringing is not answered
    /** @type {RelayEnd | undefined} */
    this.end = undefined;
    /** @type {(end: RelayEnd) => void} */
    this.settle = () => {};
    /** @type {Promise<RelayEnd>} */
    this.ended = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** @returns {Promise<RelayEnd>} */
  async run() {
    const unanswered = await this.answer();
    if (unanswered !== undefined) return unanswered;
    this.connect();
    return this.ended;
  }

  /**
   * Take the token, then answer; on the way, every reason not to.
   * @returns {Promise<RelayEnd | undefined>} undefined once answered
   */
  async answer() {
    const { tokens, tokenWaitMs, answerTimeoutMs = 5000 } = this.options;
    try {
      this.identity = callIdentity((name) => this.leg.header(name));
    } catch (error) {
      if (!(error instanceof UnknownCall)) throw error;
      return this.decline(error.message);
    }
    const id = this.identity;
    this.log = this.log.child({ call_id: id.telephonySessionId });
    let token;
    try {
      token = await tokens.take(id.telephonySessionId, tokenWaitMs);
    } catch (error) {
      return this.decline(`media tokens unreadable: ${describe(error)}`);
    }
    if (!token) return this.decline(`no media token within ${tokenWaitMs / 1000} s`);
    if (this.aborted) return this.decline("the bridge is shutting down");
    this.token = token;
    try {
      this.call = await withTimeout(this.leg.answer(), answerTimeoutMs, "answer");
    } catch (error) {
      this.log.error({ error: describe(error) }, "call_answer_failed");
      return "unanswered";
    }
    this.log.info(
      { direction: id.direction, from: maskPhone(id.from), to: maskPhone(id.to) },
      "call_answered",
    );
    const call = this.call;
    this.playout = new Playout((frame) => call.sendAudio(frame), this.options.clock ?? systemClock);
    this.playout.start();
    call.onAudio((mulaw) => this.fromPhone(mulaw));
    call.onDtmf((digit) => this.sendJson({ type: "dtmf", digit }));
    call.onHangup(() => this.phoneHungUp());
    return undefined;
  }

  /**
   * @param {string} reason
   * @returns {Promise<RelayEnd>}
   */
  async decline(reason) {
    this.log.warn({ reason }, "call_declined");
    try {
      await this.leg.decline();
    } catch (error) {
      this.log.warn({ error: describe(error) }, "call_decline_failed");
    }
    return "declined";
  }

  connect() {
    const ws = new WebSocket(this.options.mediaServerUrl, { perMessageDeflate: false });
    this.ws = ws;
    this.started = false;
    ws.binaryType = "nodebuffer";
    ws.on("open", () => this.opened(ws));
    ws.on("message", (data, isBinary) => {
      if (ws !== this.ws || this.end) return;
      const bytes = /** @type {Buffer} */ (data);
      if (isBinary) this.fromServer(bytes);
      else this.control(bytes.toString("utf8"));
    });
    ws.on("error", (error) => this.log.warn({ error: describe(error) }, "media_socket_error"));
    ws.on("close", (code, reason) => this.closed(ws, code, reason.toString("utf8")));
  }

  /** @param {WebSocket} ws */
  opened(ws) {
    if (ws !== this.ws || this.end) return;
    const id = /** @type {import("./sip-identity.js").CallIdentity} */ (this.identity);
    ws.send(
      JSON.stringify({
        type: "start",
        v: 1,
        media_token: this.token,
        call_id: id.telephonySessionId,
        from: id.from,
        to: id.to,
        direction: id.direction,
      }),
    );
    this.started = true;
    for (const frame of this.pending.splice(0)) ws.send(frame);
    this.log.info({}, "media_socket_open");
  }

  /** @param {Buffer} mulaw */
  fromPhone(mulaw) {
    if (this.end || this.stopped || !mulaw.length) return;
    const pcm = mulawToPcm16(mulaw);
    if (this.started && this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(pcm);
    } else if (this.pending.length < MAX_PENDING_FRAMES) {
      this.pending.push(pcm);
    }
  }

  /** @param {Buffer} pcm */
  fromServer(pcm) {
    const playout = /** @type {Playout} */ (this.playout);
    for (const frame of this.down.push(pcm)) playout.enqueue(pcm16ToMulaw(frame));
  }

  /** @param {string} text */
  control(text) {
    /** @type {any} */
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.log.warn({ size: text.length }, "media_message_unreadable");
      return;
    }
    const playout = /** @type {Playout} */ (this.playout);
    switch (message?.type) {
      case "mark": {
        const name = String(message.name ?? "");
        playout.mark(() => {
          this.log.debug({ name }, "mark_played");
          this.sendJson({ type: "mark", name });
        });
        break;
      }
      case "clear":
        this.down.clear();
        this.log.debug({ dropped_frames: playout.clear() }, "playout_cleared");
        break;
      case "transfer":
        void this.transfer(String(message.target ?? ""), message.context);
        break;
      case "hangup":
        this.log.info({ reason: String(message.reason ?? "") }, "server_hangup");
        this.sendStop("hangup");
        void this.finish("server_hangup");
        break;
      default:
        this.log.warn({ type: String(message?.type) }, "media_message_ignored");
    }
  }

  /**
   * @param {string} target
   * @param {unknown} context
   */
  async transfer(target, context) {
    if (this.transferring) return;
    this.transferring = true;
    const call = /** @type {PhoneCall} */ (this.call);
    const about = context && typeof context === "object" ? Object.keys(context) : [];
    this.log.info({ target: maskPhone(target), context_keys: about }, "transfer_requested");
    try {
      if (!target) throw new Error("the transfer names no target");
      // RingCentral may end our leg (BYE) as it moves the call: that is the transfer done.
      const moved = Promise.race([call.transfer(target), this.phoneGone]);
      await withTimeout(moved, this.options.transferTimeoutMs, "transfer");
    } catch (error) {
      this.log.error({ error: describe(error) }, "transfer_failed");
      this.sendStop("error");
      await this.finish("error");
      return;
    }
    this.log.info({}, "transferred");
    this.sendStop("transfer");
    await this.finish("transfer");
  }

  phoneHungUp() {
    this.phoneLeft();
    if (this.end || this.transferring) return; // a transfer ends the call itself
    this.log.info({}, "phone_hung_up");
    this.sendStop("hangup");
    void this.finish("hangup", { phoneGone: true });
  }

  /**
   * @param {WebSocket} ws
   * @param {number} code
   * @param {string} reason
   */
  closed(ws, code, reason) {
    if (ws !== this.ws || this.end) return;
    if (this.transferring) {
      this.log.info({ code, reason }, "media_socket_closed_during_transfer");
      return; // the transfer is under way: it ends the phone leg, not the server
    }
    if (RESUMABLE_CLOSES.has(code) && !this.stopped && this.reconnectsLeft > 0) {
      this.reconnectsLeft -= 1;
      this.log.warn({ code, reason }, "media_socket_reconnecting");
      this.down.clear();
      /** @type {Playout} */ (this.playout).clear();
      setTimeout(() => {
        if (!this.end) this.connect();
      }, this.options.reconnectDelayMs ?? 250);
      return;
    }
    if (code === 1000) this.log.info({ code, reason }, "media_socket_closed");
    else this.log.error({ code, reason }, "media_socket_closed");
    void this.finish("server_closed");
  }

  /** @param {"hangup" | "transfer" | "error"} reason */
  sendStop(reason) {
    this.sendJson({ type: "stop", reason });
    this.stopped = true;
  }

  /** @param {Record<string, unknown>} message */
  sendJson(message) {
    if (this.stopped || !this.started || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }

  /**
   * End both sides once: the phone leg (unless it is already gone) and the socket.
   * @param {RelayEnd} end
   * @param {{ phoneGone?: boolean }} [how]
   */
  async finish(end, how = {}) {
    if (this.end) return;
    this.end = end;
    this.playout?.stop();
    const ws = this.ws;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) {
      ws.close(1000, "call ended");
    }
    if (!how.phoneGone && this.call) {
      try {
        await this.call.hangup();
      } catch (error) {
        this.log.warn({ error: describe(error) }, "phone_hangup_failed");
      }
    }
    this.log.info({ end }, "call_ended");
    this.settle(end);
  }

  /** Hang up a live call from outside (shutdown): the server hears stop "error". */
  async abort() {
    this.aborted = true;
    if (this.end || !this.call) return;
    this.sendStop("error");
    await this.finish("aborted");
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() =>
    clearTimeout(timer),
  );
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}
