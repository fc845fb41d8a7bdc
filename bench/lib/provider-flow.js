"use strict"
/**
 * Makes a captured payment through our own provider, the way Medusa drives it (initiate,
 * the storefront's step, authorize, capture, then earlier refunds), so its data is exactly
 * what Medusa would hold. Used by bench entries whose processor needs more than one call to
 * make a captured charge. Never timed.
 */
const crypto = require("crypto")

const id = (prefix) => `${prefix}_${crypto.randomBytes(13).toString("hex").toUpperCase().slice(0, 26)}`

/**
 * @param provider     a provider instance (a separate one from the measured instance)
 * @param opts.amount  major units, as text
 * @param opts.sessionData  what the storefront puts in the session (card token ...)
 * @param opts.afterInitiate(data)  the customer's step at the processor (pay on a hosted page)
 * @param opts.earlierRefunds  major-unit amounts refunded through the provider before the bench
 * @param opts.ready(data)  optional: waits until the processor has settled what was sent
 * @param opts.afterCapture()  optional: the processor's step between capture and refunds (Fiserv settles its batch)
 */
async function paymentThroughProvider(provider, { amount, currency = "usd", sessionData = {}, afterInitiate, afterCapture, earlierRefunds = [], ready }) {
  const sessionId = id("payses")
  const customer = { id: id("cus"), email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" }
  const started = await provider.initiatePayment({
    amount,
    currency_code: currency,
    data: { session_id: sessionId, ...sessionData },
    context: { idempotency_key: sessionId, customer },
  })
  if (afterInitiate) await afterInitiate(started.data)
  const auth = await provider.authorizePayment({ data: started.data, context: { idempotency_key: sessionId, customer } })
  let data = auth.data
  if (auth.status !== "captured") {
    data = (await provider.capturePayment({ data, context: { idempotency_key: id("capt") } })).data
  }
  if (afterCapture) await afterCapture(data)
  for (const value of earlierRefunds) {
    data = (await provider.refundPayment({ amount: { value, precision: 20 }, data, context: { idempotency_key: id("ref") } })).data
    if (ready) data = await ready(data)
  }
  return data
}

module.exports = { paymentThroughProvider }
