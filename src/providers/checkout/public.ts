export { CheckoutProviderService } from "./service"
export { checkoutCurrencies } from "./currencies"
export type { CheckoutOptions } from "./options"
