/**
 * Settings → Refund processors, "Refund reasons": which of a processor's refund reasons each Medusa reason
 * code becomes (the plugin's defaults, overridden by the store's map). Saved in the store's refund policy.
 */
import { Button, Container, Heading, Select, Table, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { request } from "../lib/client"
import { policyQueryKeys, refundPolicyApi } from "../lib/policy-client"
import { reasonRows, storeReasonMapOf, withChoice, type StoreReasonMap } from "../lib/reason-map"

const DEFAULT = "__default__"

/** The store's own reason codes: refund reasons' codes and return reasons' values (best effort). */
async function medusaReasonCodes(): Promise<string[]> {
  const [refund, ret] = await Promise.all([
    request<{ refund_reasons?: Array<{ code?: string }> }>("GET", "/admin/refund-reasons?limit=100&fields=code").catch(() => ({ refund_reasons: [] })),
    request<{ return_reasons?: Array<{ value?: string }> }>("GET", "/admin/return-reasons?limit=100&fields=value").catch(() => ({ return_reasons: [] })),
  ])
  const codes = [...(refund.refund_reasons ?? []).map((r) => r.code), ...(ret.return_reasons ?? []).map((r) => r.value)]
  return codes.filter((c): c is string => typeof c === "string" && /^[A-Za-z0-9_.-]{1,100}$/.test(c))
}

export const ReasonMapSection = () => {
  const client = useQueryClient()
  const policy = useQuery({ queryKey: policyQueryKeys.policy(), queryFn: () => refundPolicyApi.get() })
  const codes = useQuery({ queryKey: ["refund-processors", "medusa-reason-codes"], queryFn: medusaReasonCodes })
  const [draft, setDraft] = useState<StoreReasonMap | null>(null)
  const saved = storeReasonMapOf(policy.data?.policy.reason_map)

  useEffect(() => {
    if (policy.data) setDraft(storeReasonMapOf(policy.data.policy.reason_map))
  }, [policy.data])

  const save = useMutation({
    mutationFn: (reason_map: StoreReasonMap) => refundPolicyApi.update({ reason_map }),
    onSuccess: () => {
      toast.success("Refund reasons saved")
      client.invalidateQueries({ queryKey: policyQueryKeys.policy() })
      client.invalidateQueries({ queryKey: policyQueryKeys.changes() })
    },
    onError: (e: Error) => toast.error("The refund reasons were not saved", { description: e.message }),
  })

  const catalogue = policy.data?.reasons ?? []
  const withList = catalogue.filter((c) => c.reasons.length)
  const freeText = catalogue.filter((c) => !c.reasons.length)
  const dirty = !!draft && JSON.stringify(draft) !== JSON.stringify(saved)

  return (
    <Container className="divide-y p-0" data-testid="reason-map-section">
      <div className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h2">Refund reasons</Heading>
          <Text size="small" leading="compact" className="text-ui-fg-subtle">
            The reason each processor receives for a Medusa refund reason or return reason. The reason's label and the
            refund's note always go in the processor's free-text field, within its limits.
          </Text>
        </div>
        <Button size="small" disabled={!dirty} isLoading={save.isPending} onClick={() => draft && save.mutate(draft)}>
          Save
        </Button>
      </div>
      {!draft ? (
        <div className="px-6 py-4">
          <Text size="small" className="text-ui-fg-muted">{policy.isError ? (policy.error as Error)?.message : "Loading…"}</Text>
        </div>
      ) : (
        withList.map((entry) => (
          <div key={entry.processor} className="px-6 py-4">
            <Text size="small" weight="plus">{entry.name}</Text>
            <Table data-testid={`reason-map-${entry.processor}`}>
              <Table.Header>
                <Table.Row>
                  <Table.HeaderCell>Medusa reason</Table.HeaderCell>
                  <Table.HeaderCell>{entry.name} reason</Table.HeaderCell>
                </Table.Row>
              </Table.Header>
              <Table.Body>
                {reasonRows(entry, draft, codes.data ?? []).map((row) => (
                  <Table.Row key={row.code}>
                    <Table.Cell className="font-mono">{row.code}</Table.Cell>
                    <Table.Cell>
                      <Select
                        size="small"
                        value={row.chosen ?? DEFAULT}
                        onValueChange={(v) => setDraft(withChoice(draft, entry.processor, row.code, v === DEFAULT ? null : v))}
                      >
                        <Select.Trigger>
                          <Select.Value />
                        </Select.Trigger>
                        <Select.Content>
                          <Select.Item value={DEFAULT}>Default ({row.defaultReason ?? "guessed from the code"})</Select.Item>
                          {entry.reasons.map((reason) => (
                            <Select.Item key={reason} value={reason}>
                              {reason}
                            </Select.Item>
                          ))}
                        </Select.Content>
                      </Select>
                    </Table.Cell>
                  </Table.Row>
                ))}
              </Table.Body>
            </Table>
          </div>
        ))
      )}
      {freeText.length > 0 && (
        <div className="px-6 py-4">
          <Text size="small" className="text-ui-fg-subtle">
            {freeText.map((c) => c.name).join(", ")} take no reason code: they receive the reason's label and the note as text.
          </Text>
        </div>
      )}
    </Container>
  )
}
