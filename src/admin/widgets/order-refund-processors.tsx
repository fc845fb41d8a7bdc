/**
 * Order page widget: for each payment of the order made with a provider of
 * medusa-refund-processors, what happened at the processor: mode, the processor's payment id
 * (linked to its dashboard where one exists), captured and refunded amounts in the processor's
 * unit beside Medusa's, the refund ledger with statuses, a warning when a refund failed, a warning
 * when the order's refunded total and its payments' refunds disagree, and "Sync with processor".
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import { ArrowPath, ArrowUpRightOnBox, ExclamationCircle } from "@medusajs/icons"
import { Alert, Button, Container, Copy, Heading, Table, Text, Tooltip, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { ModeBadge, RefundStatusBadge } from "../components/badges"
import { queryKeys, refundProcessorsApi } from "../lib/client"
import { formatDate, formatMajor, formatMinor, minorUnitName, refundTotalsMismatch } from "../lib/format"
import type { PaymentView } from "../lib/types"

type OrderLike = {
  id: string
  currency_code?: string
  summary?: { refunded_total?: number | string } | null
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
  const { data, isLoading, isError, error } = useQuery({
    queryKey: [...queryKeys.order(order.id), signature],
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
  return (
    <>
      <RefundTotalsWarning order={order} />
      {data.payments.map((payment) => (
        <PaymentSection key={payment.payment_id} orderId={order.id} payment={payment} />
      ))}
    </>
  )
}

const PaymentSection = ({ orderId, payment }: { orderId: string; payment: PaymentView }) => {
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
      <div className="flex items-center justify-between gap-x-4 px-6 py-4">
        <div className="flex flex-col">
          <Heading level="h2">{payment.processor} refunds</Heading>
          <Text size="small" leading="compact" className="text-ui-fg-subtle">
            What {payment.processor} holds for this payment, beside Medusa's records
          </Text>
        </div>
        <div className="flex items-center gap-x-2">
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
          <Table data-testid="refund-processors-ledger">
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell>{payment.processor} refund</Table.HeaderCell>
                <Table.HeaderCell>Origin</Table.HeaderCell>
                <Table.HeaderCell className="text-right">Amount ({unit})</Table.HeaderCell>
                <Table.HeaderCell>Status</Table.HeaderCell>
                <Table.HeaderCell>Date</Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {payment.refunds.map((r, i) => (
                <Table.Row key={`${r.processor_refund_id ?? r.medusa_refund_id}-${i}`} data-testid="refund-processors-ledger-row">
                  <Table.Cell>
                    <div className="flex flex-col py-2">
                      <Text size="small" leading="compact" className="font-mono">
                        {r.processor_refund_id ?? "—"}
                      </Text>
                      {r.medusa_refund_id && (
                        <Text size="xsmall" leading="compact" className="text-ui-fg-muted font-mono">
                          {r.medusa_refund_id}
                          {!r.in_medusa && " (no longer in Medusa)"}
                        </Text>
                      )}
                    </div>
                  </Table.Cell>
                  <Table.Cell>
                    {r.origin === "medusa" ? (
                      "Medusa"
                    ) : (
                      <Tooltip content={`Made at ${payment.processor} (its dashboard or another system), found by a sync`}>
                        <span>At {payment.processor}</span>
                      </Tooltip>
                    )}
                  </Table.Cell>
                  <Table.Cell className="text-right">
                    <div className="flex flex-col items-end py-2">
                      <Text size="small" leading="compact" weight="plus" data-testid="refund-processors-ledger-minor">
                        {formatMinor(r.amount_minor)}
                      </Text>
                      <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
                        {formatMajor(r.amount, cur, payment.exponent)}
                      </Text>
                    </div>
                  </Table.Cell>
                  <Table.Cell>
                    <div className="flex flex-col items-start gap-y-1 py-2">
                      <RefundStatusBadge status={r.status} />
                      {r.failure_reason && (
                        <Text size="xsmall" leading="compact" className="text-ui-fg-error max-w-[220px] whitespace-normal">
                          {r.failure_reason}
                        </Text>
                      )}
                    </div>
                  </Table.Cell>
                  <Table.Cell>
                    <Text size="small" leading="compact" className="text-ui-fg-subtle whitespace-nowrap">
                      {formatDate(r.created_at)}
                    </Text>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
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

export const config = defineWidgetConfig({
  zone: "order.details.after",
  id: "medusa-refund-processors:order-payments",
})

export default OrderRefundProcessorsWidget
