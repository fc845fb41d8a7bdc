const SECRET_HEADER = /^(authorization|proxy-authorization|api-key|x-api-key|x-clover-auth|cko-signature|webhook-signature|cookie|set-cookie)$/i

/**
 * Scrubs known secret values (API keys, HMAC secrets) from any text before it is logged
 * or put in an error, and hides secret-bearing headers. Secrets shorter than 4 characters
 * are ignored so redaction cannot shred ordinary text.
 */
export class Redactor {
  private readonly secrets: string[]

  constructor(secrets: Array<string | undefined | null>) {
    this.secrets = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 4))].sort(
      (a, b) => b.length - a.length
    )
  }

  text(value: string): string {
    let out = value
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join("[REDACTED]")
    }
    return out
  }

  headers(headers: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      out[name] = SECRET_HEADER.test(name) ? "[REDACTED]" : this.text(String(value))
    }
    return out
  }
}
