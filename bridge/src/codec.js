/**
 * The two audio formats the bridge joins: G.711 mu-law, what the softphone SDK carries
 * in RTP when it negotiates PCMU/8000 (no resampling anywhere), and PCM16 little-endian
 * 8 kHz mono, what Karla's media WebSocket carries (docs/media-protocol.md).
 */

import alawmulaw from "alawmulaw";

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const SAMPLES_PER_FRAME = (SAMPLE_RATE * FRAME_MS) / 1000; // 160
export const MULAW_FRAME_BYTES = SAMPLES_PER_FRAME; // one byte a sample
export const PCM16_FRAME_BYTES = SAMPLES_PER_FRAME * 2;
/** 20 ms of silence as mu-law (0xFF decodes to 0). */
export const MULAW_SILENCE = Buffer.alloc(MULAW_FRAME_BYTES, 0xff);

const { mulaw } = alawmulaw;

/**
 * @param {Buffer} payload  mu-law bytes, one per sample
 * @returns {Buffer} PCM16 LE
 */
export function mulawToPcm16(payload) {
  const pcm = Buffer.allocUnsafe(payload.length * 2);
  for (let i = 0; i < payload.length; i++) {
    pcm.writeInt16LE(mulaw.decodeSample(payload[i]), i * 2);
  }
  return pcm;
}

/**
 * @param {Buffer} pcm  PCM16 LE, whole samples
 * @returns {Buffer} mu-law bytes
 */
export function pcm16ToMulaw(pcm) {
  if (pcm.length % 2) throw new RangeError(`PCM16 needs whole 2-byte samples, got ${pcm.length} bytes`);
  const out = Buffer.allocUnsafe(pcm.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = mulaw.encodeSample(pcm.readInt16LE(i * 2)) & 0xff;
  }
  return out;
}

/**
 * Cuts a byte stream into fixed frames, keeping a partial tail for the next push.
 */
export class FrameCutter {
  /** @param {number} frameBytes */
  constructor(frameBytes) {
    this.frameBytes = frameBytes;
    this.tail = Buffer.alloc(0);
  }

  /**
   * @param {Buffer} chunk
   * @returns {Buffer[]} whole frames
   */
  push(chunk) {
    const data = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const whole = data.length - (data.length % this.frameBytes);
    /** @type {Buffer[]} */
    const frames = [];
    for (let at = 0; at < whole; at += this.frameBytes) {
      frames.push(data.subarray(at, at + this.frameBytes));
    }
    this.tail = Buffer.from(data.subarray(whole));
    return frames;
  }

  clear() {
    this.tail = Buffer.alloc(0);
  }
}
