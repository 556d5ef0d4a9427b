/**
 * Key presses from RFC 4733 telephone-event RTP packets.
 *
 * One key press arrives as several packets with the same RTP timestamp (updates while the
 * key is held, then the end packet three times). The SDK's own "dtmf" event decodes only
 * packets of one exact volume and duration, so the adapter hands the raw packets here and
 * gets each press once, on its first packet.
 */

const EVENTS = "0123456789*#ABCD";

export class DtmfPresses {
  constructor() {
    /** @type {number | undefined} */
    this.lastTimestamp = undefined;
  }

  /**
   * @param {Buffer} payload       the telephone-event payload (event, E/R/volume, duration)
   * @param {number} rtpTimestamp  the packet's RTP timestamp: one per press
   * @returns {string | undefined} the key, the first time its press is seen
   */
  receive(payload, rtpTimestamp) {
    if (payload.length < 4 || payload[0] >= EVENTS.length) return undefined;
    if (rtpTimestamp === this.lastTimestamp) return undefined;
    this.lastTimestamp = rtpTimestamp;
    return EVENTS[payload[0]];
  }
}
