import assert from "node:assert/strict";
import { test } from "node:test";

import { FrameCutter, MULAW_SILENCE, mulawToPcm16, pcm16ToMulaw } from "../src/codec.js";

test("mu-law decodes to the G.711 table (as audioop.ulaw2lin does)", () => {
  const pcm = mulawToPcm16(Buffer.from([0x00, 0x7f, 0x80, 0xff, 0x0f, 0x8f, 0x70]));
  const samples = Array.from({ length: 7 }, (_, i) => pcm.readInt16LE(i * 2));
  assert.deepEqual(samples, [-32124, 0, 32124, 0, -16764, 16764, -120]);
  assert.deepEqual(mulawToPcm16(MULAW_SILENCE), Buffer.alloc(320));
});

test("every mu-law byte survives decode then encode (zero has one code, 0xFF)", () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const back = pcm16ToMulaw(mulawToPcm16(all));
  const expected = Buffer.from(all.map((byte) => (byte === 0x7f ? 0xff : byte)));
  assert.deepEqual(back, expected);
});

test("PCM16 encodes as audioop.lin2ulaw does, little-endian, clipping at full scale", () => {
  const pcm = Buffer.alloc(8);
  [0, 32767, -32768, 1000].forEach((sample, i) => pcm.writeInt16LE(sample, i * 2));
  assert.deepEqual(pcm16ToMulaw(pcm), Buffer.from([0xff, 0x80, 0x00, 0xce]));
  assert.throws(() => pcm16ToMulaw(Buffer.alloc(3)), /whole 2-byte samples/);
});

test("the frame cutter hands out whole frames and keeps the rest", () => {
  const cutter = new FrameCutter(4);
  assert.deepEqual(cutter.push(Buffer.from([1, 2, 3, 4, 5, 6])), [Buffer.from([1, 2, 3, 4])]);
  assert.deepEqual(cutter.push(Buffer.from([7, 8, 9])), [Buffer.from([5, 6, 7, 8])]);
  cutter.clear();
  assert.deepEqual(cutter.push(Buffer.from([1, 2])), []);
});
