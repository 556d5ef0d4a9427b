/**
 * The device's calls: every INVITE becomes a relay, until the bridge is told to drain.
 *
 * The softphone SDK reports re-INVITEs (session refresh, hold) of a live call as new
 * INVITEs; the call is already relayed, so they are logged and left alone rather than
 * taken for a second call (whose token lookup would come back empty and decline it).
 */

import { relayCall } from "./relay.js";

/** @typedef {import("./relay.js").RingingLeg} RingingLeg */

export class Bridge {
  /** @param {import("./relay.js").RelayOptions} options */
  constructor(options) {
    this.options = options;
    this.log = options.log;
    /** @type {Map<string, import("./relay.js").CallRelay>} live calls by SIP Call-ID */
    this.live = new Map();
    this.draining = false;
  }

  /** @param {RingingLeg} leg */
  onInvite(leg) {
    if (this.live.has(leg.sipCallId)) {
      this.log.warn({ sip_call_id: leg.sipCallId }, "reinvite_ignored");
      return;
    }
    if (this.draining) {
      this.log.warn({ sip_call_id: leg.sipCallId }, "call_declined_draining");
      leg.decline().catch((error) => this.log.warn({ error: String(error) }, "call_decline_failed"));
      return;
    }
    const relay = relayCall(leg, this.options);
    this.live.set(leg.sipCallId, relay);
    relay.done
      .catch((error) => this.log.error({ error: String(error) }, "call_relay_failed"))
      .finally(() => this.live.delete(leg.sipCallId));
  }

  /**
   * Take no new call, let the live ones end for up to `graceMs`, hang up the rest.
   * @param {number} graceMs
   */
  async drain(graceMs) {
    this.draining = true;
    const relays = [...this.live.values()];
    this.log.info({ live_calls: relays.length }, "bridge_draining");
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(relays.map((relay) => relay.done)), grace]);
    clearTimeout(timer);
    await Promise.allSettled([...this.live.values()].map((relay) => relay.abort()));
  }
}
