/**
 * Renders a step's raw stdout the way the Actions log shows it: workflow commands become their
 * annotations, masked values become ***, debug lines and mask registrations are hidden.
 */
export function renderLog(stdout: string): string {
  const masks: string[] = []
  const lines: string[] = []
  const decode = (text: string) => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
  for (const line of stdout.split('\n')) {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line)
    if (command === null) {
      lines.push(line)
      continue
    }
    const [, name, data] = command as unknown as [string, string, string]
    const text = decode(data)
    if (name === 'add-mask') masks.push(text)
    else if (name === 'error') lines.push(`Error: ${text}`)
    else if (name === 'warning') lines.push(`Warning: ${text}`)
    else if (name === 'notice') lines.push(`Notice: ${text}`)
    else if (name === 'group') lines.push(`▸ ${text}`)
  }
  let log = lines.join('\n').trimEnd()
  for (const mask of masks.filter((m) => m.length > 0).sort((a, b) => b.length - a.length)) log = log.split(mask).join('***')
  return log
}
