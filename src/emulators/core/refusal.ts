import type { EmulatorRequest, EmulatorResponse, RouteHandler } from "./server"

/** A request a route refuses, carrying the processor's own error answer; thrown from deep inside a validator. */
export class Refusal extends Error {
  constructor(readonly response: EmulatorResponse) {
    super(`refused with HTTP ${response.status}`)
  }
}

/** Throws the processor's error answer out of a route. */
export function refuse(response: EmulatorResponse): never {
  throw new Refusal(response)
}

/** A route whose refusals become its answer; any other throw is an emulator bug (the server answers 500). */
export function answeringRefusals(handler: RouteHandler): RouteHandler {
  return (req) => {
    try {
      return handler(req)
    } catch (err) {
      if (err instanceof Refusal) return err.response
      throw err
    }
  }
}

/** The key of `Authorization: Bearer <key>` when it is one of `keys`, else undefined. */
export function bearerKeyOf(req: EmulatorRequest, keys: readonly string[]): string | undefined {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1]
  return key !== undefined && keys.includes(key) ? key : undefined
}
