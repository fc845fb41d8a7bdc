import { z } from "zod"
import type { Logger } from "./http"
import { Decimal } from "./money/decimal"

/**
 * What a refund of a Medusa return carries in `refund.metadata` (the return-refund workflow writes it;
 * Medusa 2.21 stores a refund's metadata as given):
 *
 *   { return_id, return_items: [{ item_id, variant_id, sku, title, quantity, unit_total, total, reason_code, damaged }] }
 *
 * Metadata is UNTRUSTED: anyone with the admin API, or another plugin, can write it. So every field is
 * bounded, amounts and quantities are plain decimal strings (never JS numbers), unknown keys are
 * dropped, and anything invalid is ignored with a warning: a refund never fails because of it.
 */
export const RETURN_LIMITS = Object.freeze({
  /** Return lines per refund (our choice: a return of more lines is unusual; processors' own lists are shorter). */
  items: 100,
  /** Medusa ids (ret_…, ordli_…, variant_…) are 30-odd characters. */
  id: 100,
  title: 500,
  sku: 100,
  reasonCode: 100,
  /** Digits before and after the point of a decimal string. */
  integerDigits: 15,
  fractionDigits: 20,
})

const ID = new RegExp(`^[A-Za-z0-9_.:-]{1,${RETURN_LIMITS.id}}$`)
const DECIMAL = new RegExp(`^\\d{1,${RETURN_LIMITS.integerDigits}}(?:\\.\\d{1,${RETURN_LIMITS.fractionDigits}})?$`)

const decimalString = z.string().regex(DECIMAL, "a plain decimal string")
const text = (max: number) => z.string().trim().min(1).max(max)

const returnItemSchema = z.object({
  item_id: z.string().regex(ID),
  variant_id: z.string().regex(ID).nullish(),
  sku: text(RETURN_LIMITS.sku).nullish(),
  title: text(RETURN_LIMITS.title),
  quantity: decimalString.refine((q) => new Decimal(q).gt(0), "greater than zero"),
  unit_total: decimalString,
  total: decimalString,
  reason_code: text(RETURN_LIMITS.reasonCode).nullish(),
  damaged: z.boolean().optional(),
})

const returnItemsSchema = z
  .array(returnItemSchema)
  .min(1)
  .max(RETURN_LIMITS.items)
  .refine((items) => new Set(items.map((i) => i.item_id)).size === items.length, "one entry per item_id")

/** One returned line, validated. Decimals are canonical text ("2", "19.5"). */
export interface ReturnItem {
  /** Medusa's order line item id. */
  itemId: string
  variantId: string | null
  sku: string | null
  title: string
  /** Decimal text, greater than zero. */
  quantity: string
  /** Major units, tax and discounts included: what one unit cost the customer. */
  unitTotal: string
  total: string
  reasonCode: string | null
  damaged: boolean
}

export interface RefundReturn {
  returnId: string | null
  /** Empty when the metadata named no items, or invalid ones (then a warning was logged). */
  items: ReturnItem[]
}

const canonical = (value: string) => new Decimal(value).toFixed()

/**
 * The return a refund's metadata describes, or undefined when it describes none (no `return_id` nor
 * `return_items`). Never throws.
 */
export function parseRefundReturn(metadata: unknown, logger?: Pick<Logger, "warn">, label = "refund"): RefundReturn | undefined {
  try {
    return readRefundReturn(metadata, logger, label)
  } catch {
    logger?.warn(`[refund metadata] ${label}: metadata unreadable; the refund is sent without return items`)
    return undefined
  }
}

function readRefundReturn(metadata: unknown, logger: Pick<Logger, "warn"> | undefined, label: string): RefundReturn | undefined {
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return undefined
  const meta = metadata as Record<string, unknown>
  const hasId = Object.prototype.hasOwnProperty.call(meta, "return_id")
  const hasItems = Object.prototype.hasOwnProperty.call(meta, "return_items")
  if (!hasId && !hasItems) return undefined
  const id = z.string().regex(ID).safeParse(meta.return_id)
  if (hasId && !id.success) logger?.warn(`[refund metadata] ${label}: return_id is not a Medusa id; ignored`)
  let items: ReturnItem[] = []
  if (hasItems) {
    const parsed = returnItemsSchema.safeParse(meta.return_items)
    if (parsed.success) {
      items = parsed.data.map((i) => ({
        itemId: i.item_id,
        variantId: i.variant_id ?? null,
        sku: i.sku ?? null,
        title: i.title,
        quantity: canonical(i.quantity),
        unitTotal: canonical(i.unit_total),
        total: canonical(i.total),
        reasonCode: i.reason_code ?? null,
        damaged: i.damaged === true,
      }))
    } else {
      // Paths and messages only: the values are untrusted and may be long, so none is logged.
      const where = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "return_items"}: ${issue.message}`)
        .join("; ")
      logger?.warn(`[refund metadata] ${label}: return_items ignored, the refund is sent without them (${where.slice(0, 300)})`)
    }
  }
  return { returnId: id.success ? id.data : null, items }
}

/**
 * The refund's metadata from what the base read of Medusa's refund record (`MedusaRefundInfo`): the
 * coordinator passes it as `metadata` (src/core/refunds/medusa-records.ts, refundContext).
 */
export function refundReturnOf(refund: { metadata?: unknown } | undefined, logger?: Pick<Logger, "warn">, label = "refund"): RefundReturn | undefined {
  return parseRefundReturn(refund?.metadata, logger, label)
}

/** A return item's quantity as a whole number, or undefined when it has a fraction (Medusa quantities are decimals). */
export function wholeQuantity(item: Pick<ReturnItem, "quantity">): number | undefined {
  const q = new Decimal(item.quantity)
  return q.isInteger() && q.lte(Number.MAX_SAFE_INTEGER) ? q.toNumber() : undefined
}
