/**
 * Order page widget: for each payment of the order made with a provider of
 * medusa-refund-processors, what happened at the processor: mode, the processor's payment id
 * (linked to its dashboard where one exists), captured and refunded amounts in the processor's
 * unit beside Medusa's, the refund ledger with statuses, a warning when a refund failed, a warning
 * when the order's refunded total and its payments' refunds disagree, and "Sync with processor".
 * Each refund made for a return shows the return and its items; the order's returns show their
 * refund's status, and a failed or missing one its reason and "Refund this return".
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import { ArrowPath, ArrowUpRightOnBox, ExclamationCircle } from "@medusajs/icons"
import { Alert, Button, Container, Copy, Heading, StatusBadge, Table, Text, Tooltip, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useRef } from "react"
import { ModeBadge, RefundStatusBadge } from "../components/badges"
import { queryKeys, refundProcessorsApi } from "../lib/client"
import { formatDate, formatMajor, formatMinor, minorUnitName, refundTotalsMismatch } from "../lib/format"
import {
  RETURN_REFUND_STATUS_LABELS,
  describeReturnItem,
  orderOwesCustomer,
  orderReturnsSignature,
  returnRefundAmount,
  returnRefundEntries,
  returnLabel,
  returnRefundsByRefundId,
  shouldPollReturns,
  type ReturnRefundEntry,
  type ReturnRefundRow,
} from "../lib/return-refunds"
import type { PaymentView } from "../lib/types"

type OrderLike = {
  id: string
  items?: Array<{ id: string; detail?: Record<string, unknown> | null }> | null
  currency_code?: string
  summary?: { refunded_total?: number | string; pending_difference?: number | string | null } | null
  payment_collections?: Array<{ payments?: Array<{ id: string; refunds?: Array<{ id: string; amount?: number | string }> | null }> | null }> | null
}

const RefundTotalsWarning = ({ order }: { order: OrderLike }) => {
  const mismatch = refundTotalsMismatch(order)
  if (!mismatch) return null
  const cur = order.currency_code ?? "usd"
  const missing = !mismatch.difference.startsWith("-")
  return (
    <Container className="px-6 py-4">
      <Alert variant="warning" data-testid="refund-processors-order-mismatch">
        <div className="flex flex-col gap-y-1">
          <Text size="small" leading="compact" weight="plus">
            This order's payments list {formatMajor(mismatch.payments, cur, null)} refunded; the order's summary counts{" "}
            {formatMajor(mismatch.summary, cur, null)}.
          </Text>
          <Text size="small" leading="compact">
            {missing
              ? `A refund went to the customer but Medusa could not record it on the order. Do not refund it again. Add a credit line of ${formatMajor(mismatch.difference, cur, null)} to the order (what Medusa's refund would have recorded), or have a developer record the missing refund transaction.`
              : `The order counts ${formatMajor(mismatch.difference.slice(1), cur, null)} more refunded than its payments: have a developer check the order's refund transactions against the payments before refunding again.`}
          </Text>
        </div>
      </Alert>
    </Container>
  )
}

/** Changes whenever Medusa's refunds of the order change, so the widget reads the ledger again. */
function refundSignature(order: OrderLike): string {
  return (order.payment_collections ?? [])
    .flatMap((pc) => pc?.payments ?? [])
    .map((p) => `${p.id}:${(p.refunds ?? []).map((r) => r.id).join(",")}`)
    .join("|")
}

const OrderRefundProcessorsWidget = ({ data: order }: { data: OrderLike }) => {
  const signature = refundSignature(order)
  // The order's returns and their refunds: an automatic refund lands after the page has loaded
  // (Medusa's event runs after the receipt), so this is read again while one may be on its way.
  const returns = useQuery({
    queryKey: [...queryKeys.orderReturns(order.id), signature, orderReturnsSignature(order)],
    queryFn: async () => {
      const [refunds, medusaReturns] = await Promise.all([
        refundProcessorsApi.returnRefunds(order.id),
        refundProcessorsApi.orderReturns(order.id),
      ])
      return { rows: refunds.return_refunds, returns: medusaReturns.returns }
    },
    refetchInterval: (query) => (query.state.data && shouldPollReturns(query.state.data.rows, query.state.data.returns, Date.now()) ? 3_000 : false),
  })
  const rows = returns.data?.rows ?? []
  // A return refund that settles changes the ledger: its refund ids are part of the payments' key.
  const rowsSignature = rows.map((r) => `${r.return_id}:${r.status}:${r.refund_id ?? ""}`).join("|")
  const queryClient = useQueryClient()
  const seenRows = useRef<string | null>(null)
  useEffect(() => {
    // A refund made after the page loaded (on receipt): the dashboard's Payments and Summary read the order again.
    if (returns.data && seenRows.current !== null && seenRows.current !== rowsSignature) {
      queryClient.invalidateQueries({ queryKey: ["orders", "detail", order.id] })
    }
    if (returns.data) seenRows.current = rowsSignature
  }, [rowsSignature, returns.data, order.id, queryClient])
  const { data, isLoading, isError, error } = useQuery({
    queryKey: [...queryKeys.order(order.id), signature, rowsSignature],
    queryFn: () => refundProcessorsApi.orderPayments(order.id),
    // Refunds some processors settle later: look again while one is pending.
    refetchInterval: (query) =>
      query.state.data?.payments.some((p) => p.pending_refunds > 0) ? 15_000 : false,
  })

  if (isLoading) return null
  if (isError) {
    return (
      <Container className="px-6 py-4">
        <Text size="small" className="text-ui-fg-error">
          Refund processors: {(error as Error)?.message ?? "could not load the payments"}
        </Text>
      </Container>
    )
  }
  if (!data?.payments.length) return null
  const byRefundId = returnRefundsByRefundId(rows)
  const entries = returnRefundEntries(rows, returns.data?.returns ?? [], orderOwesCustomer(order.summary))
  return (
    <>
      <RefundTotalsWarning order={order} />
      {data.payments.map((payment) => (
        <div key={payment.payment_id} className="contents">
          <PaymentSection orderId={order.id} payment={payment} byRefundId={byRefundId} />
        </div>
      ))}
      {(entries.length > 0 || returns.isError) && (
        <ReturnsSection
          orderId={order.id}
          entries={entries}
          currency={order.currency_code ?? "usd"}
          error={returns.isError ? ((returns.error as Error)?.message ?? "could not load the returns") : null}
        />
      )}
    </>
  )
}

const PaymentSection = ({
  orderId,
  payment,
  byRefundId,
}: {
  orderId: string
  payment: PaymentView
  byRefundId: Map<string, ReturnRefundRow>
}) => {
  const queryClient = useQueryClient()
  const sync = useMutation({
    mutationFn: () => refundProcessorsApi.sync(payment.payment_id),
    onSuccess: ({ payment: synced }) => {
      const n = synced.refunds.length
      toast.success(`Synced with ${synced.processor}`, {
        description: `${n} refund${n === 1 ? "" : "s"} in the ledger, ${formatMinor(synced.processor_amounts.refunded.minor)} ${minorUnitName(synced.exponent)} refunded at ${synced.processor}.`,
      })
      queryClient.invalidateQueries({ queryKey: queryKeys.order(orderId) })
    },
    onError: (e: Error) => {
      toast.error(`Could not sync with ${payment.processor}`, { description: e.message })
    },
  })

  const unit = minorUnitName(payment.exponent)
  const cur = payment.currency
  const p = payment.processor_amounts
  const m = payment.medusa_amounts

  return (
    <Container className="divide-y p-0" data-testid="refund-processors-widget">
      {/* Wraps: the side column is 440px, too narrow for the heading, the mode and Sync on one line. */}
      <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2 px-6 py-4">
        <div className="flex min-w-0 flex-col">
          <Heading level="h2">{payment.processor} refunds</Heading>
          <Text size="small" leading="compact" className="text-ui-fg-subtle">
            What {payment.processor} holds for this payment, beside Medusa's records
          </Text>
        </div>
        <div className="flex shrink-0 items-center gap-x-2">
          <ModeBadge mode={payment.mode} />
          <Button
            size="small"
            variant="secondary"
            isLoading={sync.isPending}
            onClick={() => sync.mutate()}
            data-testid="refund-processors-sync"
          >
            <ArrowPath />
            Sync with processor
          </Button>
        </div>
      </div>

      {payment.has_failed_refund && (
        <div className="px-6 py-4">
          <Alert variant="error" data-testid="refund-processors-failed">
            <div className="flex flex-col gap-y-1">
              <Text size="small" leading="compact" weight="plus">
                {payment.failed_refunds.length === 1 ? "A refund" : `${payment.failed_refunds.length} refunds`} failed at{" "}
                {payment.processor}: the customer has not received this money.
              </Text>
              {payment.failed_refunds.map((f, i) => (
                <Text size="small" leading="compact" key={`${f.processor_refund_id}-${i}`}>
                  {f.amount ? formatMajor(f.amount, cur, payment.exponent) : "A refund"}
                  {f.medusa_refund_id ? ` (${f.medusa_refund_id})` : ""}: {f.reason}. Refund the customer another way,
                  or again once the cause is fixed.
                </Text>
              ))}
            </div>
          </Alert>
        </div>
      )}

      {payment.discrepancies.length > 0 && (
        <div className="px-6 py-4">
          <Alert variant="warning" data-testid="refund-processors-discrepancy">
            <div className="flex flex-col gap-y-1">
              <Text size="small" leading="compact" weight="plus">
                {payment.processor} refunded other figures than Medusa asked for: the ledger holds {payment.processor}'s.
              </Text>
              {payment.discrepancies.map((d, i) => (
                <Text size="small" leading="compact" key={`${d.processor_refund_id}-${i}`}>
                  {d.medusa_refund_id ?? d.processor_refund_id ?? "A refund"}: {d.note}
                </Text>
              ))}
            </div>
          </Alert>
        </div>
      )}

      <div className="text-ui-fg-subtle grid grid-cols-2 items-center px-6 py-4">
        <Text size="small" leading="compact" weight="plus">
          {payment.processor} payment
        </Text>
        <div className="flex items-center gap-x-1 overflow-hidden">
          {payment.processor_payment_id ? (
            payment.dashboard_url ? (
              <a
                href={payment.dashboard_url}
                target="_blank"
                rel="noreferrer"
                className="txt-compact-small text-ui-fg-interactive hover:text-ui-fg-interactive-hover flex items-center gap-x-1 truncate font-mono"
              >
                {payment.processor_payment_id}
                <ArrowUpRightOnBox />
              </a>
            ) : (
              <Text size="small" leading="compact" className="truncate font-mono" data-testid="refund-processors-payment-id">
                {payment.processor_payment_id}
              </Text>
            )
          ) : (
            <Text size="small" leading="compact">
              —
            </Text>
          )}
          {payment.processor_payment_id && <Copy content={payment.processor_payment_id} className="text-ui-fg-muted" />}
        </div>
      </div>
      <div className="text-ui-fg-subtle grid grid-cols-2 items-center px-6 py-4">
        <Text size="small" leading="compact" weight="plus">
          Provider
        </Text>
        <Text size="small" leading="compact" className="font-mono">
          {payment.provider_id}
        </Text>
      </div>

      <div className="px-0 py-0">
        <Table>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Amount</Table.HeaderCell>
              <Table.HeaderCell className="text-right">
                At {payment.processor} ({unit})
              </Table.HeaderCell>
              <Table.HeaderCell className="text-right">In Medusa</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            <AmountRow label="Captured" processor={p.captured} medusa={m.captured} currency={cur} exponent={payment.exponent} />
            <AmountRow label="Refunded" processor={p.refunded} medusa={m.refunded} currency={cur} exponent={payment.exponent} testId="refund-processors-refunded" />
          </Table.Body>
        </Table>
        <Difference payment={payment} />
      </div>

      <div className="flex flex-col">
        <div className="px-6 py-4">
          <Heading level="h3">Refund ledger</Heading>
        </div>
        {payment.refunds.length === 0 ? (
          <div className="px-6 pb-4">
            <Text size="small" leading="compact" className="text-ui-fg-muted">
              No refunds yet.
            </Text>
          </div>
        ) : (
          // A list, not a table: the side column is 440px wide.
          <div className="flex flex-col divide-y border-t" data-testid="refund-processors-ledger">
            {payment.refunds.map((r, i) => {
              const forReturn = r.medusa_refund_id ? byRefundId.get(r.medusa_refund_id) : undefined
              return (
                <div
                  key={`${r.processor_refund_id ?? r.medusa_refund_id}-${i}`}
                  className="flex flex-col gap-y-1 px-6 py-3"
                  data-testid="refund-processors-ledger-row"
                >
                  <div className="flex items-start justify-between gap-x-3">
                    <div className="flex min-w-0 flex-col">
                      <Text size="small" leading="compact" className="truncate font-mono">
                        {r.processor_refund_id ?? "—"}
                      </Text>
                      {r.medusa_refund_id && (
                        <Text size="xsmall" leading="compact" className="text-ui-fg-muted truncate font-mono">
                          {r.medusa_refund_id}
                          {!r.in_medusa && " (no longer in Medusa)"}
                        </Text>
                      )}
                    </div>
                    <div className="flex shrink-0 flex-col items-end">
                      <Text size="small" leading="compact" weight="plus" data-testid="refund-processors-ledger-minor">
                        {formatMinor(r.amount_minor)} {unit}
                      </Text>
                      <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
                        {formatMajor(r.amount, cur, payment.exponent)}
                      </Text>
                    </div>
                  </div>
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <RefundStatusBadge status={r.status} />
                    <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
                      {r.origin === "medusa" ? (
                        "Medusa"
                      ) : (
                        <Tooltip content={`Made at ${payment.processor} (its dashboard or another system), found by a sync`}>
                          <span>At {payment.processor}</span>
                        </Tooltip>
                      )}
                      {" · "}
                      {formatDate(r.created_at)}
                    </Text>
                  </div>
                  {r.failure_reason && (
                    <Text size="xsmall" leading="compact" className="text-ui-fg-error whitespace-normal">
                      {r.failure_reason}
                    </Text>
                  )}
                  {forReturn && <RefundReturnItems row={forReturn} currency={cur} />}
                </div>
              )
            })}
          </div>
        )}
      </div>
    </Container>
  )
}

const AmountRow = ({
  label,
  processor,
  medusa,
  currency,
  exponent,
  testId,
}: {
  label: string
  processor: { minor: string | null; major: string | null }
  medusa: string
  currency: string
  exponent: number | null
  testId?: string
}) => (
  <Table.Row data-testid={testId}>
    <Table.Cell>
      <Text size="small" leading="compact" weight="plus">
        {label}
      </Text>
    </Table.Cell>
    <Table.Cell className="text-right">
      <div className="flex flex-col items-end py-2">
        <Text size="small" leading="compact" weight="plus">
          {formatMinor(processor.minor)}
        </Text>
        <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
          {formatMajor(processor.major, currency, exponent)}
        </Text>
      </div>
    </Table.Cell>
    <Table.Cell className="text-right">
      <Text size="small" leading="compact">
        {formatMajor(medusa, currency, exponent)}
      </Text>
    </Table.Cell>
  </Table.Row>
)

/** Explains a refunded total that differs from Medusa's by more than each refund's rounding. */
const Difference = ({ payment }: { payment: PaymentView }) => {
  // The API takes out what rounding each refund to the processor's unit accounts for.
  const diff = payment.refunded_unexplained_minor
  if (diff === null || diff === "0") return null
  const more = !diff.startsWith("-")
  const unit = minorUnitName(payment.exponent)
  const text =
    more
      ? `${payment.processor} has ${formatMinor(diff)} ${unit} more refunded than Medusa recorded: refunds made at ${payment.processor} outside Medusa (its dashboard). Medusa's order totals do not include them.`
      : `Medusa recorded ${formatMinor(diff.slice(1))} ${unit} more refunded than ${payment.processor} holds: a refund failed or has not reached ${payment.processor}. Sync with the processor, and check the ledger below.`
  return (
    <div className="flex items-start gap-x-2 px-6 py-3" data-testid="refund-processors-difference">
      <ExclamationCircle className="text-ui-fg-subtle mt-0.5 shrink-0" />
      <Text size="small" leading="compact" className="text-ui-fg-subtle">
        {text}
      </Text>
    </div>
  )
}

/** The return a refund was made for and its items (the refund's metadata, kept on the return-refund row). */
const RefundReturnItems = ({ row, currency }: { row: ReturnRefundRow; currency: string }) => (
  <div className="bg-ui-bg-subtle flex flex-col gap-y-0.5 rounded-md px-2 py-1.5" data-testid="refund-processors-ledger-return">
    <Text size="xsmall" leading="compact" weight="plus">
      For return <span className="font-mono">{row.return_id}</span>
      {row.trigger === "event" ? " (refunded automatically on receipt)" : ""}
    </Text>
    {(row.items ?? []).map((item, i) => (
      <Text size="xsmall" leading="compact" className="text-ui-fg-subtle" key={`${item.item_id}-${i}`}>
        {describeReturnItem(item, currency)}
      </Text>
    ))}
  </div>
)

const RETURN_STATUS_COLORS = {
  claimed: "orange",
  refunded: "green",
  failed: "red",
  nothing_to_refund: "grey",
  not_refunded: "orange",
} as const

/** The order's returns and what the plugin refunded for each; "Refund this return" where one is owed. */
const ReturnsSection = ({
  orderId,
  entries,
  currency,
  error,
}: {
  orderId: string
  entries: ReturnRefundEntry[]
  currency: string
  error: string | null
}) => (
  <Container className="divide-y p-0" data-testid="refund-processors-returns">
    <div className="flex flex-col px-6 py-4">
      <Text size="small" leading="compact" weight="plus">
        Return refunds
      </Text>
      <Text size="small" leading="compact" className="text-ui-fg-subtle">
        The refund made for each received return, for Medusa's total of its received items
      </Text>
    </div>
    {error && (
      <div className="px-6 py-4">
        <Text size="small" className="text-ui-fg-error">
          Could not load the returns: {error}
        </Text>
      </div>
    )}
    {entries.map((entry) => (
      <div key={entry.return_id} className="contents">
        <ReturnRefundEntryRow orderId={orderId} entry={entry} currency={currency} />
      </div>
    ))}
  </Container>
)

const ReturnRefundEntryRow = ({ orderId, entry, currency }: { orderId: string; entry: ReturnRefundEntry; currency: string }) => {
  const queryClient = useQueryClient()
  const refund = useMutation({
    mutationFn: () => refundProcessorsApi.refundReturn(entry.return_id),
    onSuccess: (result) => {
      const amount = result.return_refund ? returnRefundAmount(result.return_refund) : null
      const money = amount ? formatMajor(amount, result.return_refund?.currency_code ?? currency, null) : null
      if (result.outcome === "refunded") toast.success("Return refunded", { description: money ? `${money} refunded to the customer.` : undefined })
      else if (result.outcome === "nothing_to_refund") toast.info("Nothing to refund", { description: "None of the return's received items is owed to the customer." })
      else if (result.outcome === "already_handled") toast.info("Already handled", { description: result.message ?? "This return has been refunded or is being refunded." })
      else toast.error("The refund failed", { description: result.message ?? result.return_refund?.error_message ?? undefined })
      queryClient.invalidateQueries({ queryKey: queryKeys.order(orderId) })
      // The dashboard's own order (Payments, Summary) holds the new refund too.
      queryClient.invalidateQueries({ queryKey: ["orders"] })
    },
    onError: (e: Error) => {
      toast.error("Could not refund the return", { description: e.message })
    },
  })
  const row = entry.row
  const status = row?.status ?? "not_refunded"
  const amount = row ? returnRefundAmount(row) : null
  const cur = row?.currency_code ?? currency
  return (
    <div className="flex flex-col gap-y-2 px-6 py-4" data-testid="refund-processors-return-row" data-return-id={entry.return_id}>
      <div className="flex items-start justify-between gap-x-3">
        <div className="flex min-w-0 flex-col">
          <Text size="small" leading="compact" weight="plus">
            {returnLabel(entry.return_id)}
          </Text>
          <Text size="xsmall" leading="compact" className="text-ui-fg-muted truncate font-mono">
            {entry.return_id}
          </Text>
        </div>
        <div className="flex shrink-0 flex-col items-end gap-y-1">
          <StatusBadge color={RETURN_STATUS_COLORS[status]} className="text-nowrap" data-testid="refund-processors-return-status">
            {RETURN_REFUND_STATUS_LABELS[status]}
          </StatusBadge>
          {amount !== null && status !== "failed" && (
            <Text size="small" leading="compact" weight="plus">
              {formatMajor(amount, cur, null)}
            </Text>
          )}
        </div>
      </div>
      {row?.refund_id && (
        <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
          Medusa refund <span className="font-mono">{row.refund_id}</span>
          {row.trigger === "event" ? ", made automatically on receipt" : ", made by an admin"}
        </Text>
      )}
      {(row?.items ?? []).map((item, i) => (
        <Text size="xsmall" leading="compact" className="text-ui-fg-subtle" key={`${item.item_id}-${i}`}>
          {describeReturnItem(item, cur)}
        </Text>
      ))}
      {entry.problem && (
        <Text
          size="xsmall"
          leading="compact"
          className={status === "failed" ? "text-ui-fg-error whitespace-normal" : "text-ui-fg-subtle whitespace-normal"}
          data-testid="refund-processors-return-problem"
        >
          {entry.problem}
        </Text>
      )}
      {entry.can_refund && (
        <div>
          <Button
            size="small"
            variant="secondary"
            isLoading={refund.isPending}
            onClick={() => refund.mutate()}
            data-testid="refund-processors-refund-return"
          >
            Refund this return
          </Button>
        </div>
      )}
    </div>
  )
}

export const config = defineWidgetConfig({
  // Medusa 2.21 renders order.details.before/after at the foot of the main column (under Metadata and JSON) and order.details.side.* in the side column beside Payments.
  zone: "order.details.side.after",
  id: "medusa-refund-processors:order-payments",
})

export default OrderRefundProcessorsWidget
