import assert from "node:assert/strict";
import { test } from "node:test";

import { UnknownCall, callIdentity, numberOf, parseApiIds } from "../src/sip-identity.js";

/** @param {Record<string, string>} headers */
const lookup = (headers) => {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return (/** @type {string} */ name) => lower.get(name.toLowerCase());
};

const SESSION = "s-a0d17e323f0fez1953f50f90dz296e3440000";

test("a call-out's leg (party 1): Karla calls the driver", () => {
  const identity = callIdentity(
    lookup({
      "p-rc-api-ids": `party-id=p-a0d17e323f0fez1953f50f90dz296e3440000-1;session-id=${SESSION}`,
      From: '"+52 55 1234 5678" <sip:+525512345678@sip.ringcentral.com>;tag=10.13.1',
      To: "<sip:16505550100@sip.ringcentral.com>",
    }),
  );
  assert.deepEqual(identity, {
    telephonySessionId: SESSION,
    partyId: "p-a0d17e323f0fez1953f50f90dz296e3440000-1",
    from: "+16505550100",
    to: "+525512345678",
    direction: "outbound",
  });
});

test("an inbound call routed to Karla (a later party): the driver calls Karla", () => {
  const identity = callIdentity(
    lookup({
      "P-Rc-Api-Ids": `party-id=p-x-2;session-id=${SESSION}`,
      From: "<sip:525512345678@sip.ringcentral.com>;tag=1",
      To: "<sip:+16505550100@sip.ringcentral.com>",
    }),
  );
  assert.equal(identity.direction, "inbound");
  assert.equal(identity.from, "+525512345678");
  assert.equal(identity.to, "+16505550100");
});

test("an INVITE without the session id cannot be matched to a call", () => {
  assert.throws(() => callIdentity(lookup({ From: "<sip:+525512345678@x>" })), UnknownCall);
  assert.throws(() => callIdentity(lookup({ "P-Rc-Api-Ids": "party-id=p-1-1" })), UnknownCall);
});

test("withheld numbers and extensions are empty, not guesses", () => {
  assert.equal(numberOf('"Anonymous" <sip:anonymous@anonymous.invalid>'), "");
  assert.equal(numberOf("<sip:101@sip.ringcentral.com>"), "");
  assert.equal(numberOf("garbage"), "");
});

test("the id header's pairs are read in any order and case", () => {
  const ids = parseApiIds("Session-Id=s-1; party-id=p-1-2;junk;empty=");
  assert.deepEqual([...ids], [["session-id", "s-1"], ["party-id", "p-1-2"]]);
});
