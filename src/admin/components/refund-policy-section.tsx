/**
 * Settings → Refund processors, "Returns become refunds": the store's return-to-refund policy
 * (docs/returns-to-refunds.md), editable, and its audit. Credentials are not part of it.
 */
import { Button, Container, Heading, Label, Select, Switch, Table, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { formatDate } from "../lib/format"
import { policyQueryKeys, refundPolicyApi, type RefundPolicy, type RefundPolicyPatch, type ReturnShipping } from "../lib/policy-client"

const FIELD_LABELS: Record<string, string> = {
  auto_refund_on_receipt: "Refund returns on receipt",
  refund_damaged_items: "Refund damaged items",
  return_shipping: "Return shipping",
  reason_map: "Reason map",
  processor_settings: "Processor settings",
}

const SHIPPING_LABELS: Record<ReturnShipping, string> = {
  deduct_from_refund: "Customer pays (deducted from the refund)",
  merchant_pays: "Store pays (refunded in full)",
}

const show = (value: unknown): string =>
  typeof value === "string" && value in SHIPPING_LABELS
    ? SHIPPING_LABELS[value as ReturnShipping]
    : typeof value === "boolean"
      ? value
        ? "on"
        : "off"
      : JSON.stringify(value)

type Draft = Pick<RefundPolicy, "auto_refund_on_receipt" | "refund_damaged_items" | "return_shipping">

export const RefundPolicySection = () => {
  const client = useQueryClient()
  const policy = useQuery({ queryKey: policyQueryKeys.policy(), queryFn: () => refundPolicyApi.get() })
  const changes = useQuery({ queryKey: policyQueryKeys.changes(), queryFn: () => refundPolicyApi.changes(20) })
  const [draft, setDraft] = useState<Draft | null>(null)

  useEffect(() => {
    const p = policy.data?.policy
    if (p) setDraft({ auto_refund_on_receipt: p.auto_refund_on_receipt, refund_damaged_items: p.refund_damaged_items, return_shipping: p.return_shipping })
  }, [policy.data])

  const save = useMutation({
    mutationFn: (patch: RefundPolicyPatch) => refundPolicyApi.update(patch),
    onSuccess: (r) => {
      toast.success("Refund policy saved", { description: r.changed.length ? r.changed.map((f) => FIELD_LABELS[f] ?? f).join(", ") : "Nothing changed." })
      client.invalidateQueries({ queryKey: policyQueryKeys.policy() })
      client.invalidateQueries({ queryKey: policyQueryKeys.changes() })
    },
    onError: (e: Error) => toast.error("The refund policy was not saved", { description: e.message }),
  })

  const current = policy.data?.policy
  const dirty =
    !!draft &&
    !!current &&
    (draft.auto_refund_on_receipt !== current.auto_refund_on_receipt ||
      draft.refund_damaged_items !== current.refund_damaged_items ||
      draft.return_shipping !== current.return_shipping)

  return (
    <Container className="divide-y p-0" data-testid="refund-policy-section">
      <div className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h2">Returns become refunds</Heading>
          <Text size="small" leading="compact" className="text-ui-fg-subtle">
            When on, a return received in the admin is refunded to the order's payment for Medusa's total of the received
            items, once. Off by default. Processor credentials stay in the environment and medusa-config.ts: this policy
            holds none.
          </Text>
        </div>
        <Button size="small" disabled={!dirty} isLoading={save.isPending} onClick={() => draft && save.mutate(draft)}>
          Save
        </Button>
      </div>
      {policy.isLoading || !draft ? (
        <div className="px-6 py-4">
          <Text size="small" className={policy.isError ? "text-ui-fg-error" : "text-ui-fg-muted"}>
            {policy.isError ? (policy.error as Error)?.message ?? "Could not load the refund policy." : "Loading…"}
          </Text>
        </div>
      ) : (
        <div className="flex flex-col gap-y-4 px-6 py-4">
          <div className="flex items-center gap-x-3">
            <Switch
              id="refund-policy-auto"
              checked={draft.auto_refund_on_receipt}
              onCheckedChange={(v) => setDraft({ ...draft, auto_refund_on_receipt: v })}
            />
            <Label htmlFor="refund-policy-auto" size="small">
              {FIELD_LABELS.auto_refund_on_receipt}
            </Label>
          </div>
          <div className="flex items-center gap-x-3">
            <Switch
              id="refund-policy-damaged"
              checked={draft.refund_damaged_items}
              onCheckedChange={(v) => setDraft({ ...draft, refund_damaged_items: v })}
            />
            <Label htmlFor="refund-policy-damaged" size="small">
              {FIELD_LABELS.refund_damaged_items} (received as damaged)
            </Label>
          </div>
          <div className="flex max-w-[420px] flex-col gap-y-2">
            <Label size="small">{FIELD_LABELS.return_shipping}</Label>
            <Select value={draft.return_shipping} onValueChange={(v) => setDraft({ ...draft, return_shipping: v as ReturnShipping })}>
              <Select.Trigger>
                <Select.Value />
              </Select.Trigger>
              <Select.Content>
                {(Object.keys(SHIPPING_LABELS) as ReturnShipping[]).map((k) => (
                  <Select.Item key={k} value={k}>
                    {SHIPPING_LABELS[k]}
                  </Select.Item>
                ))}
              </Select.Content>
            </Select>
          </div>
          {!current?.saved && (
            <Text size="xsmall" className="text-ui-fg-muted">
              The defaults are in force: nothing has been saved yet.
            </Text>
          )}
        </div>
      )}
      <div className="px-6 py-4">
        <Text size="small" leading="compact" weight="plus">
          Changes
        </Text>
        {!changes.data?.changes.length ? (
          <Text size="small" className="text-ui-fg-muted">
            {changes.isError ? (changes.error as Error)?.message : "No change yet."}
          </Text>
        ) : (
          <Table data-testid="refund-policy-changes">
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell>When</Table.HeaderCell>
                <Table.HeaderCell>Admin user</Table.HeaderCell>
                <Table.HeaderCell>Change</Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {changes.data.changes.map((c) => (
                <Table.Row key={c.id}>
                  <Table.Cell>{formatDate(c.created_at)}</Table.Cell>
                  <Table.Cell className="font-mono">{c.actor_id}</Table.Cell>
                  <Table.Cell className="whitespace-normal">
                    {Object.entries(c.changes)
                      .map(([field, { before, after }]) => `${FIELD_LABELS[field] ?? field}: ${show(before)} → ${show(after)}`)
                      .join("; ")}
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
