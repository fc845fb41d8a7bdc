/**
 * Remembers the last `max` keys seen, in this process only (lost on restart, not shared
 * between instances). Used to drop duplicate webhook deliveries: ProcessOut delivers at
 * least once. A shared store (Redis, the database) belongs in the core (README: "Webhooks").
 */
export class RecentKeys {
  private readonly keys = new Map<string, true>()
  constructor(private readonly max: number) {}

  has(key: string): boolean {
    return this.keys.has(key)
  }

  add(key: string): void {
    if (this.max <= 0) return
    this.keys.delete(key)
    this.keys.set(key, true)
    while (this.keys.size > this.max) {
      const oldest = this.keys.keys().next().value as string
      this.keys.delete(oldest)
    }
  }

  get size(): number {
    return this.keys.size
  }
}
