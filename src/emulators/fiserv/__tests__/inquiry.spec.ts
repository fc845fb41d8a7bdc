import axios from "axios"
import { DEFAULT_FISERV_MERCHANT_ID, DEFAULT_FISERV_TERMINAL_ID, FiservEmulator, fiservHeaders } from ".."
import { loadSpec } from "../../../../test/contract/openapi"
import { useEmulator } from "../../../../test/support/emulator"

/** Transaction inquiry as Fiserv's Inquiry.md and error guides describe it: what Test connection relies on. */

const emu = useEmulator(new FiservEmulator())
afterEach(() => {
  const answered = emu.requests().filter((r) => r.status !== 401)
  expect(loadSpec("fiserv-commerce-hub-1.24.11.openapi.yaml").check(answered)).toEqual([])
})

async function inquire(body: object, auth: { secret?: string; apiKey?: string } = {}) {
  const text = JSON.stringify(body)
  const res = await axios.post(`${emu.url}/payments/v1/transaction-inquiry`, text, { headers: fiservHeaders({ body: text, ...auth }), validateStatus: () => true })
  return { status: res.status, error: res.data.error?.[0] as { type?: string; code?: string; message?: string } | undefined, data: res.data }
}

const unknownReference = { referenceMerchantTransactionId: "medusa-connection-check" }

describe("transaction inquiry", () => {
  it("answers a reference it does not hold 404 with the payments gateway's 764, for every kind of reference", async () => {
    for (const field of ["referenceTransactionId", "referenceMerchantTransactionId", "referenceOrderId", "referenceMerchantOrderId", "referenceClientRequestId"]) {
      const res = await inquire({ referenceTransactionDetails: { [field]: "does-not-exist" }, merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: DEFAULT_FISERV_TERMINAL_ID } })
      expect({ field, status: res.status, error: res.error }).toEqual({
        field,
        status: 404,
        error: { type: "GATEWAY", code: "764", field: `referenceTransactionDetails.${field}`, message: "Referenced transaction not found" },
      })
    }
  })

  it("needs only merchantDetails.merchantId (Inquiry.md), and still refuses a wrong merchant or terminal", async () => {
    expect((await inquire({ referenceTransactionDetails: unknownReference, merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID } })).error?.code).toBe("764")
    expect((await inquire({ referenceTransactionDetails: unknownReference, merchantDetails: { merchantId: "999" } })).error?.code).toBe("201")
    expect((await inquire({ referenceTransactionDetails: unknownReference, merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID, terminalId: "9" } })).error?.code).toBe("202")
    expect((await inquire({ referenceTransactionDetails: unknownReference, merchantDetails: {} })).error?.code).toBe("107")
  })

  it("authenticates before looking anything up: a wrong secret or key gets APIM's 401, never 'not found'", async () => {
    const body = { referenceTransactionDetails: unknownReference, merchantDetails: { merchantId: DEFAULT_FISERV_MERCHANT_ID } }
    const wrongSecret = await inquire(body, { secret: "not_the_secret" })
    expect(wrongSecret).toMatchObject({ status: 401, error: { type: "APIM", message: expect.stringMatching(/HMAC validation failed/) } })
    const wrongKey = await inquire(body, { apiKey: "unknown_key" })
    expect(wrongKey).toMatchObject({ status: 401, error: { type: "APIM", message: "Invalid or missing Api-Key" } })
  })
})
