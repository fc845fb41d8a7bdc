export { ProcessOutProviderService } from "./service"
export { processoutCurrencies } from "./transformers"
export type { ProcessOutOptions } from "./options"
