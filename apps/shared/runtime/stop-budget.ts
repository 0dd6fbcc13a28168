// The stop budget: how an app spends its graceful-stop deadline (OAM_STOP_TIMEOUT_SECONDS) and why
// pm2's kill_timeout outlasts it. Every part is named here, once, so that changing one cannot
// silently break the order "in-flight work ends, acks arrive, the app exits, and only then pm2 kills":
//
//   signal ── drain ──────────────────────────┬─ ACK_LINGER ─┤ stop deadline ─ EXIT_MARGIN ─┤ forced exit ─ KILL_MARGIN ─┤ pm2 SIGKILL
//             in-flight work finishes, the    │ acks queued at the end still reach the poller;
//             poller waits for acks           │ aborted work unwinds (ABORT_GRACE); the poller hands back the rest
//

/** How long a consumer's acks, queued when it closes, keep trying to reach the poller (ZeroMQ linger). */
export const ACK_LINGER_MS = 2000;
/** How long work aborted at the end of the drain gets to unwind before its consumer closes. */
export const ABORT_GRACE_MS = 1000;
/** How long a stopping app waits for the mail relay to take its pending error lines. */
export const STOP_MAIL_MS = 1500;
/** How long the logger's transports get to finish. */
export const LOGGER_END_MS = 500;
/** How long an app waits for pm2 to write its "stopped" line before exiting (see pm2-log-flush). */
export const LOG_FLUSH_MS = 2000;
/**
 * Past the stop deadline, an app that has not exited exits with its work handed back (mailing
 * what is pending for up to STOP_MAIL_MS). A stop that ended in time sends its pending mail and
 * writes its last lines (STOP_MAIL_MS, LOGGER_END_MS, LOG_FLUSH_MS) inside this margin.
 */
export const EXIT_MARGIN_MS = 4000;
/** pm2 SIGKILLs an app this long after its forced exit began (which may still be mailing). */
export const KILL_MARGIN_MS = 3000;

/** When the drain ends: early enough that acks sent at its end arrive before the stop deadline. */
export function drainDeadline(stopTimeoutMs: number, start = Date.now()): number {
  return start + stopTimeoutMs - ACK_LINGER_MS;
}

/** When an app stopping since `start` exits whatever is left. */
export function exitDeadline(stopTimeoutMs: number, start = Date.now()): number {
  return start + stopTimeoutMs + EXIT_MARGIN_MS;
}

/** pm2's kill_timeout for an app with this stop timeout (ecosystem.config.js). */
export function killTimeoutMs(stopTimeoutMs: number): number {
  return stopTimeoutMs + EXIT_MARGIN_MS + KILL_MARGIN_MS;
}
