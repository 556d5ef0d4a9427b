/**
 * The playout's clock, on mocked timers: one packet per 20 ms whatever arrives when,
 * silence in the gaps, marks after their frames, clear, and no burst after a stall.
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { MULAW_SILENCE } from "../src/codec.js";
import { Playout } from "../src/playout.js";

/** @type {Buffer[]} */
let sent;
/** @type {Playout} */
let playout;

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  sent = [];
  playout = new Playout((frame) => sent.push(frame), {
    now: () => Date.now(),
    setTimeout: (run, ms) => setTimeout(run, ms),
    clearTimeout: (handle) => clearTimeout(handle),
  });
});

afterEach(() => {
  playout.stop();
  mock.timers.reset();
});

/** @param {number} n */
const frame = (n) => Buffer.alloc(160, n);

/**
 * Let `ms` of mocked time pass, a millisecond at a time, so timers set by timers fire too.
 * @param {number} ms
 */
function advance(ms) {
  for (let i = 0; i < ms; i++) mock.timers.tick(1);
}

test("one packet every 20 ms, however the frames arrive", () => {
  playout.start();
  for (let n = 1; n <= 10; n++) playout.enqueue(frame(n)); // a burst from the network
  assert.equal(sent.length, 1, "the first packet leaves at once (silence: it started empty)");
  advance(19);
  assert.equal(sent.length, 1);
  advance(1);
  assert.equal(sent.length, 2);
  advance(20 * 9);
  assert.equal(sent.length, 11);
  assert.deepEqual(sent.slice(1), Array.from({ length: 10 }, (_, i) => frame(i + 1)));
});

test("the line carries silence when nothing is queued", () => {
  playout.start();
  advance(60);
  playout.enqueue(frame(7));
  advance(40);
  assert.deepEqual(sent, [MULAW_SILENCE, MULAW_SILENCE, MULAW_SILENCE, MULAW_SILENCE, frame(7), MULAW_SILENCE]);
});

test("a mark is played right after the last frame queued before it, in order", () => {
  /** @type {string[]} */
  const played = [];
  const at = () => sent.filter((packet) => !packet.equals(MULAW_SILENCE)).length;
  playout.start();
  playout.enqueue(frame(1));
  playout.enqueue(frame(2));
  playout.mark(() => played.push(`a@${at()}`));
  playout.enqueue(frame(3));
  playout.mark(() => played.push(`b@${at()}`));
  advance(40);
  assert.deepEqual(played, ["a@2"]);
  advance(20);
  assert.deepEqual(played, ["a@2", "b@3"]);
  playout.mark(() => played.push(`c@${at()}`));
  assert.deepEqual(played, ["a@2", "b@3", "c@3"], "nothing queued: played at once");
});

test("clear drops the frames and their marks; what comes after plays", () => {
  let marks = 0;
  playout.start();
  for (let n = 1; n <= 5; n++) playout.enqueue(frame(n));
  playout.mark(() => marks++);
  advance(20);
  assert.equal(playout.clear(), 4);
  playout.enqueue(frame(9));
  advance(100);
  assert.equal(marks, 0);
  assert.deepEqual(
    sent.filter((packet) => !packet.equals(MULAW_SILENCE)),
    [frame(1), frame(9)],
  );
});

test("after a stall the grid restarts instead of bursting the missed packets", () => {
  const late = new Playout((packet) => sent.push(packet), {
    now: () => Date.now(),
    setTimeout: (run, ms) => setTimeout(run, ms + 200), // a blocked event loop
    clearTimeout: (handle) => clearTimeout(handle),
  });
  late.start();
  advance(220);
  assert.equal(sent.length, 2);
  advance(199);
  assert.equal(sent.length, 2, "no catch-up burst");
  late.stop();
});

test("stop ends the packets", () => {
  playout.start();
  advance(40);
  playout.stop();
  advance(200);
  assert.equal(sent.length, 3);
});
