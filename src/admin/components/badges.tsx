import { StatusBadge, Tooltip } from "@medusajs/ui"
import type { AdminMode, RefundStatus } from "../lib/types"

const MODES: Record<AdminMode, { label: string; color: "green" | "orange" | "purple"; hint: string }> = {
  live: { label: "Live", color: "green", hint: "Real money: the processor's production environment." },
  sandbox: { label: "Sandbox", color: "orange", hint: "The processor's test environment: no real money moves." },
  emulator: {
    label: "Emulator",
    color: "purple",
    hint: "A custom base URL: a local processor emulator or a proxy. No real money moves.",
  },
}

export const ModeBadge = ({ mode }: { mode: AdminMode }) => {
  const m = MODES[mode] ?? MODES.emulator
  return (
    <Tooltip content={m.hint}>
      <StatusBadge color={m.color} className="text-nowrap">
        {m.label}
      </StatusBadge>
    </Tooltip>
  )
}

const STATUSES: Record<RefundStatus, { label: string; color: "green" | "orange" | "red" }> = {
  succeeded: { label: "Succeeded", color: "green" },
  pending: { label: "Pending", color: "orange" },
  failed: { label: "Failed", color: "red" },
}

export const RefundStatusBadge = ({ status }: { status: RefundStatus }) => {
  const s = STATUSES[status] ?? { label: status, color: "orange" as const }
  return (
    <StatusBadge color={s.color} className="text-nowrap">
      {s.label}
    </StatusBadge>
  )
}
