import { randomInt } from "node:crypto"

/** Random string drawn from `alphabet`, using the CSPRNG so ids never collide across parallel test runs. */
export function randomString(length: number, alphabet: string): string {
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

export const DIGITS = "0123456789"
export const UPPER_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
