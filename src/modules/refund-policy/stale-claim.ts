/**
 * How long a return's refund may stay `claimed` before the admin may take it over: a store that stopped during the
 * refund leaves the row claimed for good. Longer than any refund attempt can run (about 95 minutes with the largest
 * timeout and retries the provider options allow, core/http.ts refundAttemptBoundMs), so a refund still running is
 * never started twice. Taking over is safe for money: the workflow records a Medusa refund that already carries the
 * return, and the provider reads the processor before sending when an earlier attempt is unfinished.
 * No imports: the admin bundle reads it too.
 */
export const STALE_CLAIM_MS = 2 * 60 * 60_000
