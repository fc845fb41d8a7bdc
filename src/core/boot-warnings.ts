import { describeBaseUrl, type Environment } from "./options"

/** What a provider knows at boot about the setup a merchant may have forgotten. */
export type BootCheck = {
  /** Display name ("Clover"). */
  processor: string
  environment: Environment
  /** The webhook secret option; omitted for processors that send no webhooks (Fiserv). */
  webhookSecret?: { set: boolean; option: string; env: string }
  /**
   * Whether the credentials look live by the prefix the processor documents
   * (Checkout.com `sk_` without `sbox_`/`test_`, ProcessOut a project id without `test-`);
   * omitted where keys carry no such mark (Clover, Fiserv, Dodo).
   */
  liveLookingCredential?: { looksLive: boolean; option: string }
  /** Options still accepted so old configurations boot, but ignored: `why` says what replaced them. */
  deprecatedOptions?: Array<{ option: string; set: boolean; why: string }>
}

/**
 * Boot messages for what a merchant forgot: no webhook secret (webhooks are then ignored or
 * refused), and live-looking credentials sent to a custom URL (an emulator, a proxy) or to the
 * processor's sandbox.
 */
export function bootWarnings(check: BootCheck): string[] {
  const warnings: string[] = []
  const name = `[${check.processor}]`
  const hook = check.webhookSecret
  if (hook && !hook.set) {
    warnings.push(
      `${name} no webhook secret: set the \`${hook.option}\` option (${hook.env}). Until then every ${check.processor} ` +
        `webhook is refused, so refunds and payments changed outside Medusa are seen only by Sync and the poll job.`
    )
  }
  const live = check.liveLookingCredential
  if (live?.looksLive && check.environment !== "production") {
    const where =
      check.environment === "sandbox"
        ? "the sandbox"
        : `a custom URL (${describeBaseUrl(check.environment).origin}), such as an emulator or a proxy`
    warnings.push(
      `${name} \`${live.option}\` looks like a live credential but \`environment\` points at ${where}. ` +
        `Live credentials belong with environment "production"; use a sandbox or test credential here.`
    )
  }
  for (const deprecated of check.deprecatedOptions ?? []) {
    if (deprecated.set) warnings.push(`${name} the \`${deprecated.option}\` option is deprecated and ignored: ${deprecated.why}`)
  }
  return warnings
}

/** Dodo's and ProcessOut's old in-process duplicate-webhook cache size, replaced by core/event-memory.ts. */
export function webhookDedupeSizeDeprecation(options: { webhookDedupeSize?: unknown }) {
  return { option: "webhookDedupeSize", set: options.webhookDedupeSize !== undefined, why: "duplicate webhooks are remembered in Medusa's caching module" }
}
