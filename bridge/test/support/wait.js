/**
 * Waiting on behaviour, never on the clock: each helper re-checks its condition when the
 * emitter says something happened, and fails after a timeout with what it waited for.
 */

/**
 * @param {import("node:events").EventEmitter} emitter
 * @param {string} event
 * @param {() => boolean} condition  checked now and after every `event`
 * @param {string} what              for the timeout's message
 * @param {number} [timeoutMs]
 * @returns {Promise<void>}
 */
export function until(emitter, event, condition, what, timeoutMs = 5000) {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      emitter.off(event, check);
    };
    emitter.on(event, check);
  });
}
