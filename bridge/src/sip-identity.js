/**
 * Which RingCentral call a SIP INVITE belongs to, from its headers.
 *
 * RingCentral names the telephony session and party in `P-Rc-Api-Ids`
 * (`party-id=p-...-1;session-id=s-...`): the softphone SDK reads it for its own outbound
 * calls (OutboundCallSession.sessionId), and the web phone reads it from ringing INVITEs.
 * The session id is the key the dispatcher (and the inbound webhook) left the call's media
 * token under. The SDK's README warns that some inbound INVITEs carry no such header; such
 * a leg cannot be matched to a call and is declined with that reason.
 *
 * Direction and numbers are for the media server's logs only. Unconfirmed on a live
 * account, hence kept here in one place: a call-out's first leg (the device's own party)
 * is party 1 of its session, while an inbound call reaches Karla's extension as a later
 * party; and in both cases the driver is the INVITE's From (a call-out presents the number
 * being dialled to the device that rings first).
 */

/**
 * @typedef {object} CallIdentity
 * @property {string} telephonySessionId
 * @property {string} partyId
 * @property {string} from       E.164, or "" when withheld
 * @property {string} to         E.164, or "" when withheld
 * @property {"outbound" | "inbound"} direction
 */

export class UnknownCall extends Error {}

/**
 * @param {(name: string) => string | undefined} header  case-insensitive header lookup
 * @returns {CallIdentity}
 */
export function callIdentity(header) {
  const ids = parseApiIds(header("P-Rc-Api-Ids") ?? "");
  const telephonySessionId = ids.get("session-id") ?? "";
  if (!telephonySessionId) {
    throw new UnknownCall("the INVITE names no telephony session (no P-Rc-Api-Ids session-id)");
  }
  const partyId = ids.get("party-id") ?? "";
  const direction = partyId.endsWith("-1") ? "outbound" : "inbound";
  const driver = numberOf(header("From") ?? "");
  const karla = numberOf(header("To") ?? "");
  return direction === "outbound"
    ? { telephonySessionId, partyId, from: karla, to: driver, direction }
    : { telephonySessionId, partyId, from: driver, to: karla, direction };
}

/**
 * @param {string} value  `key=value;key=value`
 * @returns {Map<string, string>}
 */
export function parseApiIds(value) {
  const pairs = value.split(";").map((part) => part.trim().split("="));
  return new Map(
    pairs.filter((pair) => pair.length === 2 && pair[1]).map(([k, v]) => [k.toLowerCase(), v]),
  );
}

/**
 * The E.164 number of a From/To header (`"Name" <sip:+5255...@host>;tag=...`), or ""
 * for an extension, "anonymous" or anything else that is not a full number.
 * @param {string} nameAddr
 */
export function numberOf(nameAddr) {
  const user = /sips?:([^@;>]+)@/.exec(nameAddr)?.[1] ?? "";
  const digits = user.replace(/^\+/, "");
  return /^\d{10,15}$/.test(digits) ? `+${digits}` : "";
}
