/**
 * The Dodo emulator's payments, checkout sessions and lists against Dodo's official OpenAPI 1.53.2 alone
 * (fixtures/spec-1.53.2.excerpt.yml): each answer's schema, and each list parameter as documented.
 */
import { emulatorHarness, loadDocument, DEFAULT_DODO_PRODUCT_ID } from "./support"

const spec = loadDocument("spec-1.53.2.excerpt.yml")
const { emulator, call, paidPayment } = emulatorHarness()

const param = (route: string, name: string) => spec.doc.paths[route].get.parameters.find((p: any) => p.name === name)

/** An answer of 200 whose body conforms to `schema`. */
function conforming(answer: { status: number; body: any }, schema: string) {
  expect([answer.status, spec.errors(schema, answer.body)]).toEqual([200, []])
  return answer.body
}

describe("payments and checkout sessions (spec 1.53.2)", () => {
  it("POST /checkouts (create_session) answers CreateSessionResponse", async () => {
    const answer = await call("POST", "/checkouts", { product_cart: [{ product_id: DEFAULT_DODO_PRODUCT_ID, quantity: 1, amount: 100 }] })
    expect(conforming(answer, "CreateSessionResponse")).toEqual({ session_id: expect.any(String), checkout_url: expect.any(String) })
  })

  it("GET /payments/{payment_id} (get_payment_handler) answers PaymentResponse; its refunds are RefundListItems", async () => {
    const payment = await paidPayment(4734)
    await call("POST", "/refunds", { payment_id: payment.payment_id, items: [{ item_id: DEFAULT_DODO_PRODUCT_ID, amount: 100 }] })
    const read = conforming(await call("GET", `/payments/${payment.payment_id}`), "PaymentResponse")
    expect(read).toMatchObject({ payment_id: payment.payment_id, total_amount: 4734 })
    expect(read.refunds.flatMap((r: unknown) => spec.errors("RefundListItem", r))).toEqual([])
    expect(read.refunds).toHaveLength(1)
  })

  it("GET /payments/{payment_id}/line-items (get_payment_line_items_handler) answers PaymentLineItemsResponse", async () => {
    const payment = await paidPayment(4734)
    expect(conforming(await call("GET", `/payments/${payment.payment_id}/line-items`), "PaymentLineItemsResponse").items).toHaveLength(1)
  })

  it("GET /refunds/{refund_id} (get_refund_handler) and GET /refunds (list_refunds) answer RefundResponse and GetRefundsListResponse", async () => {
    const payment = await paidPayment(1000)
    const created = await call("POST", "/refunds", { payment_id: payment.payment_id })
    conforming(await call("GET", `/refunds/${created.body.refund_id}`), "RefundResponse")
    expect(conforming(await call("GET", "/refunds"), "GetRefundsListResponse").items).toHaveLength(1)
  })
})

describe("lists (GET /payments list_payments_handler, GET /refunds list_refunds)", () => {
  const paidMany = async (n: number) => {
    const ids: string[] = []
    for (let i = 0; i < n; i++) ids.push((await paidPayment(100 + i)).payment_id)
    return ids
  }
  const idsOf = async (query: string) => conforming(await call("GET", `/payments${query}`), "GetPaymentsListResponse").items.map((p: any) => p.payment_id)

  it(`page_size: "${param("/payments", "page_size").description}"`, async () => {
    expect(param("/payments", "page_size").description).toBe("Page size default is 10 max is 100")
    await paidMany(11)
    expect(await idsOf("")).toHaveLength(10)
    expect(await idsOf("?page_size=100")).toHaveLength(11)
    // Over the maximum: refused or cut to 100; never more than 100 (which of the two is not documented).
    const over = await call("GET", "/payments?page_size=101")
    if (over.status === 200) expect(over.body.items.length).toBeLessThanOrEqual(100)
    else expect(over.status).toBeGreaterThanOrEqual(400)
  })

  it(`page_number: "${param("/payments", "page_number").description}", minimum 0: pages from 0, each payment on one page`, async () => {
    expect(param("/payments", "page_number")).toMatchObject({ description: "Page number default is 0", schema: { minimum: 0 } })
    expect(param("/refunds", "page_number")).toMatchObject({ description: "Page number default is 0", schema: { minimum: 0 } })
    const made = await paidMany(5)
    const pages = [await idsOf("?page_size=2&page_number=0"), await idsOf("?page_size=2&page_number=1"), await idsOf("?page_size=2&page_number=2")]
    expect(await idsOf("?page_size=2")).toEqual(pages[0])
    expect(pages.flat().sort()).toEqual([...made].sort())
    expect(await idsOf("?page_size=2&page_number=3")).toEqual([])
    expect((await call("GET", "/payments?page_number=-1")).status).toBeGreaterThanOrEqual(400)
  })

  it("created_at_gte, created_at_lte and status filter the list as their descriptions say", async () => {
    const [first] = await paidMany(1)
    const firstAt = (await call("GET", `/payments/${first}`)).body.created_at
    await new Promise((resolve) => setTimeout(resolve, 5))
    const [second] = await paidMany(1)
    const secondAt = (await call("GET", `/payments/${second}`)).body.created_at
    expect(await idsOf(`?created_at_gte=${encodeURIComponent(secondAt)}`)).toEqual([second])
    expect(await idsOf(`?created_at_lte=${encodeURIComponent(firstAt)}`)).toEqual([first])
    expect(param("/payments", "status").schema.enum).toContain("failed")
    expect(await idsOf("?status=failed")).toEqual([])
    expect((await idsOf("?status=succeeded")).sort()).toEqual([first, second].sort())
  })

  it("GET /refunds filters by status (RefundStatus: succeeded, failed, pending, review)", async () => {
    expect(param("/refunds", "status").schema.enum).toEqual(["succeeded", "failed", "pending", "review"])
    const a = await paidPayment(1000)
    const b = await paidPayment(1000)
    emulator.queueRefundOutcome("review") // the emulator's test control: Dodo decides a refund's status
    const inReview = await call("POST", "/refunds", { payment_id: a.payment_id })
    const done = await call("POST", "/refunds", { payment_id: b.payment_id })
    const ofStatus = async (status: string) => conforming(await call("GET", `/refunds?status=${status}`), "GetRefundsListResponse").items.map((r: any) => r.refund_id)
    expect(await ofStatus("review")).toEqual([inReview.body.refund_id])
    expect(await ofStatus("succeeded")).toEqual([done.body.refund_id])
  })
})
