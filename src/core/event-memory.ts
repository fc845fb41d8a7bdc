import type { Logger } from "./http"

/** The part of Medusa's caching module (`Modules.CACHING`) the memory uses. */
interface CachingModule {
  get(options: { key: string }): Promise<unknown>
  set(options: { key: string; data: unknown; ttl?: number }): Promise<unknown>
}

/**
 * Webhook events already acted on, remembered in Medusa's caching module, which every app
 * instance shares (Redis when `@medusajs/medusa/caching-redis` is configured), so a redelivered
 * or replayed event is recognised after a restart and on another instance. Medusa gives payment
 * providers the caching module in their container. Without it (a store that did not register
 * it), events are remembered in this process only, and the provider says so once at boot.
 */
export class WebhookEventMemory {
  private readonly local = new Map<string, number>()
  private warned = false

  constructor(
    private readonly processor: string,
    private readonly cradle: Record<string, unknown>,
    private readonly logger: Logger,
    /** How long an event is remembered: longer than the processor retries a delivery. */
    private readonly ttlSeconds = 7 * 24 * 3600
  ) {}

  private caching(): CachingModule | undefined {
    let caching: unknown
    try {
      // The container is an awilix proxy: an unregistered key throws or gives undefined.
      caching = this.cradle?.caching
    } catch {
      caching = undefined
    }
    const found = caching && typeof (caching as CachingModule).get === "function" ? (caching as CachingModule) : undefined
    if (!found && !this.warned) {
      this.warned = true
      this.logger.warn(
        `[${this.processor}] webhook events are remembered in this process only: register Medusa's caching module ` +
          `(@medusajs/medusa/caching, with caching-redis when several instances run) so a replayed event is recognised after a restart and on every instance`
      )
    }
    return found
  }

  private key(purpose: string, eventId: string): string {
    return `medusa-refund-processors:webhook:${this.processor.toLowerCase()}:${purpose}:${eventId}`
  }

  async has(purpose: string, eventId: string): Promise<boolean> {
    const key = this.key(purpose, eventId)
    const caching = this.caching()
    if (!caching) return this.localHas(key)
    return (await caching.get({ key })) != null
  }

  async remember(purpose: string, eventId: string): Promise<void> {
    const key = this.key(purpose, eventId)
    const caching = this.caching()
    if (!caching) {
      this.local.set(key, Date.now() + this.ttlSeconds * 1000)
      if (this.local.size > 10_000) this.local.delete(this.local.keys().next().value as string)
      return
    }
    await caching.set({ key, data: { at: new Date().toISOString() }, ttl: this.ttlSeconds })
  }

  private localHas(key: string): boolean {
    const until = this.local.get(key)
    if (until === undefined) return false
    if (until < Date.now()) {
      this.local.delete(key)
      return false
    }
    return true
  }
}
