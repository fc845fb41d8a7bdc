/**
 * "Test connection" with a wrong API key, through the admin route of a real Medusa app whose
 * Clover provider is configured with a key the emulator does not accept: a clear failure
 * (200 with ok: false) that says what to fix, and never echoes the key.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { CloverEmulator } from "../../src/emulators/clover"
import { createAdminUser } from "../helpers"
import { useEmulatorForStore } from "../helpers/emulator-env"

jest.setTimeout(120_000)

const PROVIDER_ID = "pp_clover_clover"
const WRONG_KEY = "wrong_key_5f3a9c"

const emu = new CloverEmulator()
// Started, and medusa-config.ts's variables set, before the runner boots Medusa (helpers/emulator-env.ts).
useEmulatorForStore(emu, (url) => ({
  CLOVER_ENVIRONMENT: url,
  CLOVER_API_KEY: WRONG_KEY,
  CLOVER_MAX_RETRIES: "0",
  PAYMENT_PROVIDERS: "clover",
}), { resetEachTest: false })

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    it("reports a rejected key clearly, without the key", async () => {
      const { adminHeaders } = await createAdminUser(getContainer())

      const list = (await api.get("/admin/refund-processors/providers", adminHeaders)).data
      expect(list.providers.map((p: any) => p.id)).toEqual([PROVIDER_ID])

      const res = await api.post(`/admin/refund-processors/providers/${PROVIDER_ID}/connection-check`, {}, adminHeaders)
      expect(res.status).toBe(200)
      expect(res.data).toEqual(expect.objectContaining({ provider_id: PROVIDER_ID, processor: "Clover", ok: false }))
      expect(res.data.message).toMatch(/401/)
      expect(res.data.message).toMatch(/Clover rejected the API key/)
      expect(res.data.message).toMatch(/CLOVER_API_KEY/)
      expect(res.data.message).not.toContain(WRONG_KEY)

      const reads = emu.requests({ method: "GET", path: "/v1/charges" })
      expect(reads).toHaveLength(1)
      expect(reads[0].status).toBe(401)
    })
  },
})
