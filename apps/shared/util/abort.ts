import { setMaxListeners } from "node:events";

/**
 * An AbortController for a whole app's lifetime. Every request and retry under way listens to its
 * signal, more than the default ten at once, which is not a leak: lift the warning's limit.
 */
export function unboundedSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
