/** A duration as a person writes it: "45s", "1m 30s", "2h", "1h 5m". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1_000))
  const hours = Math.floor(total / 3_600)
  const minutes = Math.floor((total % 3_600) / 60)
  const seconds = total % 60
  const parts = [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', seconds > 0 ? `${seconds}s` : ''].filter(Boolean)
  return parts.length === 0 ? '0s' : parts.join(' ')
}
