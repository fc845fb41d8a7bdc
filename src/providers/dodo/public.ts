export { DodoProviderService, type DodoRefundOutcome, type DodoRefundRecord } from "./service"
export { dodoCurrencies, spreadRefund, DODO_EXPONENT_OVERRIDES } from "./transformers"
export type { DodoOptions } from "./options"
