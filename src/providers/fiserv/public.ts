export { FiservProviderService } from "./service"
export { fiservCurrencies, FISERV_EXPONENTS } from "./currencies"
export type { FiservOptions } from "./options"
