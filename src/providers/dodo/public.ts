export { DodoProviderService, type DodoRefundOutcome } from "./service"
export { dodoCurrencies, DODO_EXPONENT_OVERRIDES } from "./currencies"
export { spreadRefund, type DodoRefundRecord } from "./transformers"
export type { DodoOptions } from "./options"
