/**
 * A logger whose lines the test can read: the relay's real pino logger, writing into an
 * array (synchronously, so a line's arrival is the moment it was logged).
 */

import { EventEmitter } from "node:events";

import { createLogger } from "../../src/log.js";
import { until } from "./wait.js";

export class CapturedLogs extends EventEmitter {
  constructor() {
    super();
    /** @type {Record<string, any>[]} */
    this.lines = [];
    this.log = createLogger("debug", {
      write: (/** @type {string} */ line) => {
        const entry = JSON.parse(line);
        this.lines.push(entry);
        this.emit("line", entry);
      },
    });
  }

  /** @param {string} event */
  find(event) {
    return this.lines.find((line) => line.event === event);
  }

  /**
   * The first line of `event` (matching `fields`), once it is logged.
   * @param {string} event
   * @param {Record<string, unknown>} [fields]
   * @param {number} [timeoutMs]
   */
  async waitFor(event, fields = {}, timeoutMs = 5000) {
    const match = () =>
      this.lines.find(
        (line) =>
          line.event === event && Object.entries(fields).every(([k, v]) => line[k] === v),
      );
    await until(this, "line", () => match() !== undefined, `log ${event}`, timeoutMs);
    return /** @type {Record<string, any>} */ (match());
  }
}
