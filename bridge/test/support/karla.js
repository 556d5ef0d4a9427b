/**
 * The real Karla side for the bridge's tests: `python -m devstack.bridge_fixture` (the
 * media server as production runs it, the real dispatcher, Postgres and Redis), driven
 * over its JSON-line stdin/stdout. Its own log (the media server's too) is kept and shown
 * if it fails to start.
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PYTHON = process.env.KARLA_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");

/**
 * @typedef {object} Ready
 * @property {string} media_url
 * @property {string} redis_url
 * @property {string} redis_key_prefix
 */

export class Karla {
  /** @param {import("node:child_process").ChildProcessWithoutNullStreams} child  @param {Ready} ready  @param {string[]} output */
  constructor(child, ready, output) {
    this.child = child;
    this.ready = ready;
    this.output = output;
    this.nextId = 0;
    /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
    this.waiting = new Map();
  }

  /** @returns {Promise<Karla>} */
  static async start() {
    const child = spawn(PYTHON, ["-m", "devstack.bridge_fixture"], { cwd: ROOT, env: process.env });
    /** @type {string[]} */
    const output = [];
    createInterface({ input: child.stderr }).on("line", (line) => output.push(line));
    const lines = createInterface({ input: child.stdout });
    /** @type {Karla | undefined} */
    let karla;
    const ready = new Promise((resolve, reject) => {
      lines.on("line", (line) => {
        const message = JSON.parse(line);
        if (message.ready) resolve(message);
        else karla?.answer(message);
      });
      child.once("exit", (code) => reject(new Error(`bridge_fixture exited (${code}):\n${output.join("\n")}`)));
    });
    karla = new Karla(child, await ready, output);
    return karla;
  }

  /** @param {{ id: number, ok: boolean, result?: any, error?: string }} message */
  answer(message) {
    const waiter = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (message.ok) waiter?.resolve(message.result);
    else waiter?.reject(new Error(message.error));
  }

  /**
   * @param {string} op
   * @param {Record<string, unknown>} [fields]
   * @returns {Promise<any>}
   */
  request(op, fields = {}) {
    const id = ++this.nextId;
    this.child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** @returns {Promise<{ call_id: string, telephony_session_id: string }>} */
  dial(phone = "+525512345678") {
    return this.request("dial", { phone });
  }

  /** @param {number} seconds  @returns {Promise<Buffer>} mu-law */
  async voice(seconds) {
    return Buffer.from(await this.request("voice", { seconds }), "base64");
  }

  /** Stop the fixture: it stops the media server and removes its database and keys. */
  async stop() {
    const exited = once(this.child, "exit");
    this.child.stdin.end();
    await exited;
  }
}
