/**
 * A Dodo Payments order through the storefront: Dodo's checkout is hosted, so the customer pays on
 * Dodo's page (the emulator's `POST <checkout_url>/pay`) between starting the payment session and
 * completing the cart. Used by the exactly-once harness and the bench's end-to-end part.
 */
import type { AxiosInstance } from "axios"
import { getOnlyPayment } from "./admin-orders"
import { completeCart, prepareCheckout } from "./checkout"
import type { SeededStore } from "./seed"
import { until } from "./wait"

export const DODO_PROVIDER_ID = "pp_dodo_dodo"

/** The emulator's webhook switch (DodoEmulator in the same process). */
export interface DodoWebhooks {
  setWebhookUrl(url: string | undefined): void
  flushWebhooks(): Promise<void>
}

/**
 * Pays a new cart on Dodo's hosted checkout and returns the order and its payment (admin API shape),
 * captured: Dodo has no separate capture.
 *
 * With `webhooks`, Dodo's signed payment.succeeded webhook reaches this app and completes the cart
 * first (after Medusa's webhook delay), then the storefront's completion finds it completed. Without,
 * the storefront completes the cart when the customer is back, and the provider's authorizePayment
 * finds the payment at Dodo. Webhooks sent after this (refunds) are not delivered.
 */
export async function payWithDodoHostedCheckout(
  api: AxiosInstance,
  store: SeededStore,
  opts: { email?: string; webhooks?: DodoWebhooks } = {}
): Promise<{ order: any; payment: any }> {
  const { webhooks } = opts
  webhooks?.setWebhookUrl(`${api.defaults.baseURL}/hooks/payment/${DODO_PROVIDER_ID.replace(/^pp_/, "")}`)
  try {
    const ready = await prepareCheckout(api, store, { providerId: DODO_PROVIDER_ID, email: opts.email })
    const paid = await fetch(`${ready.paymentSession.data.checkout_url}/pay`, { method: "POST" })
    if (paid.status !== 200) throw new Error(`Dodo's checkout page answered ${paid.status}: ${await paid.text()}`)
    if (webhooks) {
      await webhooks.flushWebhooks()
      await until(
        "the cart completed by Dodo's payment.succeeded webhook",
        async () => ((await api.get(`/store/carts/${ready.cart.id}?fields=id,completed_at`, store.storeHeaders)).data.cart.completed_at ? true : undefined),
        60_000,
        300
      )
    }
    const completed = await completeCart(api, store, ready.cart.id)
    if (completed.type !== "order" || !completed.order) throw new Error(`Dodo checkout did not produce an order: ${JSON.stringify(completed)}`)
    const payment = await getOnlyPayment(api, store.adminHeaders, completed.order.id)
    if (!payment.captures?.length) throw new Error(`Dodo's payment ${payment.id} is not captured in Medusa: ${JSON.stringify(payment)}`)
    return { order: completed.order, payment }
  } finally {
    // Refund webhooks would be processed after Medusa's webhook delay, in the middle of later work.
    webhooks?.setWebhookUrl(undefined)
  }
}
