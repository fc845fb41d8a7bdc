export { ProcessOutProviderService } from "./service"
export { processoutCurrencies } from "./currencies"
export type { ProcessOutOptions } from "./options"
export { WEBHOOK_TOKEN_HEADER } from "./service"
