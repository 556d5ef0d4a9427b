/**
 * A local stand-in for RingCentral's SIP edge, so the real softphone SDK runs unmodified
 * in the adapter's test: SIP over TLS (REGISTER answered, INVITE sent, ACK, BYE, REFER and
 * its NOTIFY) and SRTP over UDP (AES_CM_128_HMAC_SHA1_80, PCMU and telephone-event), with
 * the message framing RingCentral uses (Content-Length last in a body-less message, which
 * the SDK's reader relies on).
 */

import { randomBytes, randomUUID } from "node:crypto";
import dgram from "node:dgram";
import { EventEmitter } from "node:events";
import tls from "node:tls";

import { generate } from "selfsigned";
import { RtpHeader, RtpPacket, SrtpSession } from "werift-rtp";

import { until } from "./wait.js";

const KEY = randomBytes(30); // our SRTP master key (16) and salt (14)

/**
 * @typedef {object} SipMessage
 * @property {string} subject
 * @property {Record<string, string>} headers  lower-case names
 * @property {string} body
 */

/** @param {string} text @returns {SipMessage} */
function parse(text) {
  const [head, ...rest] = text.split("\r\n\r\n");
  const [subject, ...lines] = head.split("\r\n");
  /** @type {Record<string, string>} */
  const headers = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { subject, headers, body: rest.join("\r\n\r\n") };
}

/**
 * @param {string} subject
 * @param {Record<string, string | number>} headers
 * @param {string} [body]
 */
function format(subject, headers, body = "") {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [subject, ...lines, `Content-Length: ${body.length}`, "", body].join("\r\n");
}

export class FakeSip extends EventEmitter {
  /** @returns {Promise<FakeSip>} */
  static async start() {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], { keySize: 2048 });
    const sip = new FakeSip(pems.private, pems.cert);
    await Promise.all([
      new Promise((resolve) => sip.server.listen(0, "127.0.0.1", () => resolve(undefined))),
      new Promise((resolve) => sip.udp.bind(0, "127.0.0.1", () => resolve(undefined))),
    ]);
    return sip;
  }

  /** @param {string} key @param {string} cert */
  constructor(key, cert) {
    super();
    /** @type {SipMessage[]} every message the SDK sent */
    this.received = [];
    /** @type {Buffer[]} audio payloads the SDK sent (PCMU) */
    this.audio = [];
    /** @type {tls.TLSSocket | undefined} */
    this.client = undefined;
    /** @type {import("node:dgram").RemoteInfo | undefined} where the SDK's RTP comes from */
    this.peer = undefined;
    /** @type {SrtpSession | undefined} */
    this.srtp = undefined;
    this.sequence = 1;
    this.server = tls.createServer({ key, cert }, (socket) => this.accept(socket));
    this.udp = dgram.createSocket("udp4");
    this.udp.on("message", (data, rinfo) => this.rtp(data, rinfo));
  }

  get proxy() {
    const address = /** @type {import("node:net").AddressInfo} */ (this.server.address());
    return `127.0.0.1:${address.port}`;
  }

  /** @param {tls.TLSSocket} socket */
  accept(socket) {
    this.client = socket;
    let buffer = "";
    socket.on("data", (data) => {
      buffer += data.toString("utf8");
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/\r\nContent-Length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const message = parse(buffer.slice(0, end + 4 + length));
        buffer = buffer.slice(end + 4 + length);
        this.handle(message);
      }
    });
  }

  /** @param {SipMessage} message */
  handle(message) {
    this.received.push(message);
    const { subject, headers } = message;
    if (subject.startsWith("REGISTER ")) this.reply(message, "200 OK");
    if (subject.startsWith("REFER ")) {
      this.reply(message, "202 Accepted");
      this.send(
        format(`NOTIFY sip:${headers.from} SIP/2.0`, {
          Via: "SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-notify",
          From: headers.to,
          To: headers.from,
          "Call-ID": headers["call-id"],
          CSeq: "300 NOTIFY",
          Event: "refer",
          "Content-Type": "message/sipfrag;version=2.0",
        }, "SIP/2.0 200 OK\r\n"),
      );
    }
    if (subject.startsWith("SIP/2.0 200") && headers.cseq?.endsWith("INVITE")) this.answered(message);
    this.emit("message", message);
  }

  /** @param {SipMessage} request @param {string} status */
  reply(request, status) {
    const { via, from, to } = request.headers;
    this.send(
      format(`SIP/2.0 ${status}`, {
        Via: via,
        From: from,
        To: to.includes("tag=") ? to : `${to};tag=fake`,
        "Call-ID": request.headers["call-id"],
        CSeq: request.headers.cseq,
      }),
    );
  }

  /** @param {string} text */
  send(text) {
    /** @type {tls.TLSSocket} */ (this.client).write(text);
  }

  /**
   * Ring the registered device, as RingCentral does for a call-out's first leg.
   * @param {Record<string, string>} extra  headers such as P-Rc-Api-Ids
   * @returns {string} the INVITE's Call-ID
   */
  ring(extra) {
    const callId = randomUUID();
    this.peer = undefined;
    this.srtp = undefined;
    this.audio = [];
    this.received = [];
    const udp = /** @type {import("node:net").AddressInfo} */ (this.udp.address());
    const sdp = [
      "v=0",
      "o=- 1 1 IN IP4 127.0.0.1",
      "s=fake-ringcentral",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${udp.port} RTP/SAVP 0 101`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-15",
      "a=sendrecv",
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY.toString("base64")}`,
      "",
    ].join("\r\n");
    this.call = {
      callId,
      from: "<sip:+525512345678@sip.ringcentral.com>;tag=from-fake",
      to: "<sip:16505550100@sip.ringcentral.com>",
    };
    this.send(
      format(
        "INVITE sip:16505550100@127.0.0.1;transport=TLS;ob SIP/2.0",
        {
          Via: "SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-invite",
          From: this.call.from,
          To: this.call.to,
          "Call-ID": callId,
          CSeq: "100 INVITE",
          ...extra,
          "Content-Type": "application/sdp",
        },
        sdp,
      ),
    );
    return callId;
  }

  /** @param {SipMessage} ok  the SDK's 200 OK: its SRTP key, then our ACK */
  answered(ok) {
    const key = Buffer.from(/inline:([\w+/=]+)/.exec(ok.body)?.[1] ?? "", "base64");
    this.srtp = new SrtpSession({
      profile: 1,
      keys: {
        localMasterKey: KEY.subarray(0, 16),
        localMasterSalt: KEY.subarray(16, 30),
        remoteMasterKey: key.subarray(0, 16),
        remoteMasterSalt: key.subarray(16, 30),
      },
    });
    this.send(
      format("ACK sip:16505550100@127.0.0.1 SIP/2.0", {
        Via: "SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-ack",
        From: ok.headers.from,
        To: ok.headers.to,
        "Call-ID": ok.headers["call-id"],
        CSeq: "100 ACK",
      }),
    );
  }

  /** The far end hangs up. */
  bye() {
    const call = /** @type {{ callId: string, from: string, to: string }} */ (this.call);
    this.send(
      format("BYE sip:16505550100@127.0.0.1 SIP/2.0", {
        Via: "SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-bye",
        From: call.from,
        To: call.to,
        "Call-ID": call.callId,
        CSeq: "101 BYE",
      }),
    );
  }

  /** @param {Buffer} data @param {import("node:dgram").RemoteInfo} rinfo */
  rtp(data, rinfo) {
    this.peer = rinfo;
    if (!this.srtp || data.toString() === "hello") {
      this.emit("rtp");
      return;
    }
    const packet = RtpPacket.deSerialize(this.srtp.decrypt(data));
    if (packet.header.payloadType === 0) this.audio.push(Buffer.from(packet.payload));
    this.emit("rtp");
  }

  /**
   * @param {number} payloadType
   * @param {Buffer} payload
   * @param {number} timestamp
   */
  sendRtp(payloadType, payload, timestamp) {
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: this.sequence++,
      timestamp,
      ssrc: 4242,
      marker: false,
    });
    const peer = /** @type {import("node:dgram").RemoteInfo} */ (this.peer);
    const srtp = /** @type {SrtpSession} */ (this.srtp);
    this.udp.send(srtp.encrypt(payload, header), peer.port, peer.address);
  }

  /** Once the SDK's RTP has told us where it listens. */
  async mediaUp() {
    await until(this, "rtp", () => this.peer !== undefined, "the SDK's first RTP packet");
  }

  /**
   * @param {string} subjectStart  e.g. "BYE ", "REFER "
   * @returns {Promise<SipMessage>}
   */
  async request(subjectStart) {
    const find = () => this.received.find((m) => m.subject.startsWith(subjectStart));
    await until(this, "message", () => find() !== undefined, `a ${subjectStart.trim()}`);
    return /** @type {SipMessage} */ (find());
  }

  async close() {
    this.client?.destroy();
    this.udp.close();
    await new Promise((resolve) => this.server.close(() => resolve(undefined)));
  }
}
