/**
 * Karla's audio to the phone, one 20 ms RTP packet every 20 ms, from a queue `clear` empties.
 *
 * The media server already paces its frames, but they cross a network: the queue absorbs
 * the jitter, and the clock here is what the phone hears. While nothing is queued the
 * line carries silence, as a phone's would: RTP keeps flowing while the driver talks, so
 * no carrier takes the quiet for a dead call, and the RTP clock stays on wall time.
 *
 * Marks sit in the queue between frames. A mark is played once every frame queued before
 * it has been sent; `clear` (barge-in) drops the frames and the marks with them, since the
 * server must not hear back marks of audio the driver never got.
 *
 * The schedule is a fixed grid (start + n x 20 ms), so timer lateness does not accumulate;
 * after a stall of the event loop the grid restarts from now rather than bursting packets.
 */

import { FRAME_MS, MULAW_SILENCE } from "./codec.js";

const MAX_LATE_FRAMES = 3;

/**
 * @typedef {object} Clock
 * @property {() => number} now  milliseconds, monotonic
 * @property {(run: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: any) => void} clearTimeout
 *
 * @typedef {{ frame: Buffer } | { mark: () => void }} Queued
 */

/** @type {Clock} */
export const systemClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export class Playout {
  /**
   * @param {(mulaw: Buffer) => void} send  one 20 ms packet to the phone
   * @param {Clock} [clock]
   */
  constructor(send, clock = systemClock) {
    this.send = send;
    this.clock = clock;
    /** @type {Queued[]} */
    this.queue = [];
    this.frames = 0; // frames in the queue
    this.sent = 0; // packets sent since start, silence included
    this.origin = 0;
    /** @type {unknown} */
    this.timer = undefined;
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.origin = this.clock.now();
    this.sent = 0;
    this.tick();
  }

  stop() {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** @param {Buffer} frame  20 ms of mu-law */
  enqueue(frame) {
    this.queue.push({ frame });
    this.frames += 1;
  }

  /**
   * Call `played` once everything queued so far has been sent (at once if nothing is).
   * @param {() => void} played
   */
  mark(played) {
    if (this.frames === 0) played();
    else this.queue.push({ mark: played });
  }

  /** Drop every queued frame and mark; returns how many frames were dropped. */
  clear() {
    const dropped = this.frames;
    this.queue = [];
    this.frames = 0;
    return dropped;
  }

  tick() {
    if (!this.running) return;
    const head = this.queue.shift();
    if (head && "frame" in head) {
      this.frames -= 1;
      this.send(head.frame);
    } else {
      this.send(MULAW_SILENCE);
    }
    while (this.queue.length && "mark" in this.queue[0]) {
      const item = /** @type {{ mark: () => void }} */ (this.queue.shift());
      item.mark();
    }
    this.sent += 1;
    this.schedule();
  }

  schedule() {
    if (!this.running) return;
    const now = this.clock.now();
    let due = this.origin + this.sent * FRAME_MS;
    if (now - due > MAX_LATE_FRAMES * FRAME_MS) {
      this.origin = now; // a stall: restart the grid instead of bursting
      this.sent = 0;
      due = now;
    }
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, due - now));
  }
}
