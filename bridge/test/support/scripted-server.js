/**
 * A media server the test scripts by hand, for what the real one never sends on cue
 * (transfer, hangup, a restart's close code) and for exact assertions on what the bridge
 * sends: every message of every socket is recorded, text as parsed JSON.
 */

import { EventEmitter } from "node:events";

import { WebSocketServer } from "ws";

import { until } from "./wait.js";

/**
 * @typedef {object} Connection
 * @property {import("ws").WebSocket} socket
 * @property {any[]} messages      JSON control messages, in order
 * @property {Buffer[]} audio      binary frames, in order
 * @property {{ code: number, reason: string } | undefined} closed
 */

export class ScriptedServer extends EventEmitter {
  /** @returns {Promise<ScriptedServer>} */
  static async start() {
    const server = new ScriptedServer();
    await new Promise((resolve) => server.wss.once("listening", resolve));
    return server;
  }

  constructor() {
    super();
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    /** @type {Connection[]} */
    this.connections = [];
    this.wss.on("connection", (socket) => {
      /** @type {Connection} */
      const connection = { socket, messages: [], audio: [], closed: undefined };
      this.connections.push(connection);
      socket.on("message", (data, isBinary) => {
        const bytes = /** @type {Buffer} */ (data);
        if (isBinary) connection.audio.push(bytes);
        else connection.messages.push(JSON.parse(bytes.toString("utf8")));
        this.emit("change");
      });
      socket.on("close", (code, reason) => {
        connection.closed = { code, reason: reason.toString("utf8") };
        this.emit("change");
      });
      this.emit("change");
    });
  }

  get url() {
    const address = /** @type {import("node:net").AddressInfo} */ (this.wss.address());
    return `ws://127.0.0.1:${address.port}/media`;
  }

  /**
   * The n-th connection once it has sent its start.
   * @param {number} [n]
   */
  async started(n = 0) {
    await this.until(() => this.connections[n]?.messages.length > 0, `start on socket ${n}`);
    return this.connections[n];
  }

  /**
   * @param {Connection} connection
   * @param {string} type
   */
  async message(connection, type) {
    await this.until(() => connection.messages.some((m) => m.type === type), `a ${type} message`);
    return connection.messages.find((m) => m.type === type);
  }

  /**
   * @param {() => boolean} condition
   * @param {string} what
   */
  until(condition, what) {
    return until(this, "change", condition, what);
  }

  async close() {
    for (const client of this.wss.clients) client.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
  }
}
