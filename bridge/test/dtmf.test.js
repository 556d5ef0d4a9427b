import assert from "node:assert/strict";
import { test } from "node:test";

import { DtmfPresses } from "../src/dtmf.js";

/**
 * A telephone-event payload (RFC 4733): event, end bit + volume, duration.
 * @param {number} event  @param {boolean} end  @param {number} duration
 */
const packet = (event, end, duration) => Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);

test("one press is one key, however many packets carry it", () => {
  const presses = new DtmfPresses();
  const keys = [
    presses.receive(packet(5, false, 160), 1000),
    presses.receive(packet(5, false, 320), 1000),
    presses.receive(packet(5, true, 800), 1000),
    presses.receive(packet(5, true, 800), 1000),
    presses.receive(packet(5, true, 800), 1000),
  ];
  assert.deepEqual(keys, ["5", undefined, undefined, undefined, undefined]);
});

test("each press has its own RTP timestamp, even the same key again", () => {
  const presses = new DtmfPresses();
  const keys = [
    [5, 1000],
    [5, 2600],
    [10, 4200],
    [11, 5800],
    [12, 7400],
  ].map(([event, timestamp]) => presses.receive(packet(event, false, 160), timestamp));
  assert.deepEqual(keys, ["5", "5", "*", "#", "A"]);
});

test("events that are not keys (flash, tones) and short payloads are ignored", () => {
  const presses = new DtmfPresses();
  assert.equal(presses.receive(packet(16, false, 160), 1), undefined);
  assert.equal(presses.receive(Buffer.from([1, 2]), 2), undefined);
});
