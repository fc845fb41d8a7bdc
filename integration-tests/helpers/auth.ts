import type { MedusaContainer } from "@medusajs/framework/types"
import {
  ApiKeyType,
  ContainerRegistrationKeys,
  Modules,
  PUBLISHABLE_KEY_HEADER,
} from "@medusajs/framework/utils"
import jwt from "jsonwebtoken"

export type Headers = { headers: Record<string, string> }

/** The jwtSecret the running app verifies tokens with (from its loaded medusa-config). */
export function appJwtSecret(container: MedusaContainer): string {
  const config = container.resolve(ContainerRegistrationKeys.CONFIG_MODULE) as any
  const secret = config?.projectConfig?.http?.jwtSecret
  if (!secret) throw new Error("the app has no projectConfig.http.jwtSecret")
  return secret
}

/**
 * Creates an admin user plus an emailpass auth identity directly through the USER and
 * AUTH modules (no login route, no password hashing needed) and signs the same JWT the
 * auth routes would issue.
 */
export async function createAdminUser(
  container: MedusaContainer,
  { email = `admin-${Date.now()}@test.local` }: { email?: string } = {}
): Promise<{ userId: string; authIdentityId: string; token: string; adminHeaders: Headers }> {
  const userModule = container.resolve(Modules.USER) as any
  const authModule = container.resolve(Modules.AUTH) as any

  const user = await userModule.createUsers({ email, first_name: "Test", last_name: "Admin" })
  const authIdentity = await authModule.createAuthIdentities({
    provider_identities: [{ provider: "emailpass", entity_id: email }],
    app_metadata: { user_id: user.id },
  })

  const token = jwt.sign(
    {
      actor_id: user.id,
      actor_type: "user",
      auth_identity_id: authIdentity.id,
      app_metadata: { user_id: user.id },
    },
    appJwtSecret(container),
    { expiresIn: "1d" }
  )

  return {
    userId: user.id,
    authIdentityId: authIdentity.id,
    token,
    adminHeaders: { headers: { authorization: `Bearer ${token}` } },
  }
}

/** A publishable API key (store routes require one), optionally scoped to sales channels. */
export async function createPublishableKey(
  container: MedusaContainer
): Promise<{ id: string; token: string; storeHeaders: Headers }> {
  const apiKeyModule = container.resolve(Modules.API_KEY) as any
  const key = await apiKeyModule.createApiKeys({
    title: "integration tests",
    type: ApiKeyType.PUBLISHABLE,
    created_by: "integration-tests",
  })
  return {
    id: key.id,
    token: key.token,
    storeHeaders: { headers: { [PUBLISHABLE_KEY_HEADER]: key.token } },
  }
}
