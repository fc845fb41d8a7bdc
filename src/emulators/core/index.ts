export * from "./server"
export * from "./idempotency"
export * from "./ids"
export * from "./faults"
