/**
 * Structured JSON logs, one line an event, in the shape the Python services write
 * (`event`, `level`, ISO `timestamp`, then fields such as `call_id`), so one CloudWatch
 * query reads both containers. Media tokens are never logged; phone numbers only masked.
 */

import pino from "pino";

/** @typedef {import("pino").Logger} Logger */

/**
 * @param {string} level  pino level name
 * @param {import("pino").DestinationStream} [destination]  stdout unless given (tests capture)
 * @returns {Logger}
 */
export function createLogger(level, destination) {
  return pino(
    {
      level,
      base: { service: "bridge" },
      messageKey: "event",
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ["media_token", "*.media_token", "password"], censor: "[secret]" },
    },
    destination,
  );
}

/**
 * Keep the country code and the last four digits: enough to correlate, not to dial
 * (the same rule as shared/domain/phone.py's mask_phone).
 * @param {string} e164
 */
export function maskPhone(e164) {
  const digits = e164.replace(/^\+/, "");
  if (digits.length <= 6) return "***";
  return `+${digits.slice(0, 2)}${"*".repeat(digits.length - 6)}${digits.slice(-4)}`;
}
