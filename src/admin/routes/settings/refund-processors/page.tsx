/**
 * Settings → Refund processors: the payment providers of medusa-refund-processors configured
 * in medusa-config.ts, each with its mode, the webhook URL to paste into the processor's
 * dashboard, and "Test connection" (an authenticated read at the processor).
 */
import { defineRouteConfig } from "@medusajs/admin-sdk"
import { CreditCardRefresh } from "@medusajs/icons"
import { Button, Container, Copy, Heading, StatusBadge, Table, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery } from "@tanstack/react-query"
import { Fragment, useState } from "react"
import { ModeBadge } from "../../../components/badges"
import { ReasonMapSection } from "../../../components/reason-map-section"
import { RefundPolicySection } from "../../../components/refund-policy-section"
import { queryKeys, refundProcessorsApi } from "../../../lib/client"
import { formatDate } from "../../../lib/format"
import type { ProviderView, TestResult } from "../../../lib/types"

const RefundProcessorsSettingsPage = () => {
  const { data, isLoading, isError, error } = useQuery({
    queryKey: queryKeys.providers(),
    queryFn: () => refundProcessorsApi.providers(),
  })
  const [results, setResults] = useState<Record<string, TestResult>>({})

  return (
    <div className="flex flex-col gap-y-3">
    <Container className="divide-y p-0">
      <div className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h2">Refund processors</Heading>
          <Text size="small" leading="compact" className="text-ui-fg-subtle">
            Payment providers of medusa-refund-processors configured in medusa-config.ts. Paste each webhook URL into
            the processor's dashboard so refund outcomes reach the store.
          </Text>
        </div>
      </div>
      {isLoading ? (
        <div className="px-6 py-4">
          <Text size="small" className="text-ui-fg-muted">
            Loading…
          </Text>
        </div>
      ) : isError ? (
        <div className="px-6 py-4">
          <Text size="small" className="text-ui-fg-error">
            {(error as Error)?.message ?? "Could not load the providers."}
          </Text>
        </div>
      ) : !data?.providers.length ? (
        <div className="px-6 py-4">
          <Text size="small" className="text-ui-fg-subtle">
            No provider of this plugin is configured. Add one under the payment module's providers in medusa-config.ts
            (e.g. <code>medusa-refund-processors/providers/clover</code>) and restart the store.
          </Text>
        </div>
      ) : (
        <Table data-testid="refund-processors-providers">
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Processor</Table.HeaderCell>
              <Table.HeaderCell>Mode</Table.HeaderCell>
              <Table.HeaderCell>Webhook URL</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Connection</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {data.providers.map((provider) => (
              <ProviderRows
                key={provider.id}
                provider={provider}
                result={results[provider.id]}
                onResult={(r) => setResults((prev) => ({ ...prev, [provider.id]: r }))}
              />
            ))}
          </Table.Body>
        </Table>
      )}
    </Container>
    <RefundPolicySection />
    <ReasonMapSection />
    </div>
  )
}

const ProviderRows = ({
  provider,
  result,
  onResult,
}: {
  provider: ProviderView
  result?: TestResult
  onResult: (r: TestResult) => void
}) => {
  const test = useMutation({
    mutationFn: () => refundProcessorsApi.testConnection(provider.id),
    onSuccess: (r) => {
      onResult(r)
      if (r.ok) toast.success(`${r.processor}: connected`, { description: r.message })
      else toast.error(`${r.processor}: connection failed`, { description: r.message })
    },
    onError: (e: Error) => toast.error(`${provider.processor}: test failed`, { description: e.message }),
  })
  return (
    <Fragment>
      <Table.Row data-testid={`refund-processors-provider-${provider.id}`}>
        <Table.Cell>
          <div className="flex flex-col py-2">
            <Text size="small" leading="compact" weight="plus">
              {provider.processor}
            </Text>
            <Text size="xsmall" leading="compact" className="text-ui-fg-muted font-mono">
              {provider.id}
            </Text>
          </div>
        </Table.Cell>
        <Table.Cell>
          <ModeBadge mode={provider.mode} />
        </Table.Cell>
        <Table.Cell>
          <div className="flex max-w-[420px] items-center gap-x-1">
            <Text size="small" leading="compact" className="truncate font-mono" title={provider.webhook_url}>
              {provider.webhook_url}
            </Text>
            <Copy content={provider.webhook_url} className="text-ui-fg-muted" />
          </div>
        </Table.Cell>
        <Table.Cell className="text-right">
          <div className="flex items-center justify-end gap-x-2">
            {result && (
              <StatusBadge color={result.ok ? "green" : "red"} className="text-nowrap">
                {result.ok ? "Connected" : "Failed"}
              </StatusBadge>
            )}
            <Button size="small" variant="secondary" isLoading={test.isPending} onClick={() => test.mutate()}>
              Test connection
            </Button>
          </div>
        </Table.Cell>
      </Table.Row>
      {result && (
        <Table.Row className="bg-ui-bg-subtle">
          <Table.Cell colSpan={4}>
            <Text
              size="small"
              leading="compact"
              className={`whitespace-normal py-2 ${result.ok ? "text-ui-fg-subtle" : "text-ui-fg-error"}`}
              data-testid={`refund-processors-test-result-${provider.id}`}
            >
              {result.message} <span className="text-ui-fg-muted">({formatDate(result.checked_at)}, {result.duration_ms} ms)</span>
            </Text>
          </Table.Cell>
        </Table.Row>
      )}
    </Fragment>
  )
}

export const config = defineRouteConfig({
  label: "Refund processors",
  icon: CreditCardRefresh,
})

export default RefundProcessorsSettingsPage
