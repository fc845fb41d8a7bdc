export * from "./auth"
export * from "./seed"
export * from "./checkout"
export * from "./admin-orders"
