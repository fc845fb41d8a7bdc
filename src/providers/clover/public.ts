export { CloverProviderService } from "./service"
export { cloverCurrencies } from "./currencies"
export type { CloverOptions } from "./options"
