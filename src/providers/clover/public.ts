export { CloverProviderService } from "./service"
export { cloverCurrencies } from "./transformers"
export type { CloverOptions } from "./options"
