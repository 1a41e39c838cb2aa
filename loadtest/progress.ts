/** A progress bar for a terminal line: `[██████░░░░]`. */
export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction))
  const full = Math.round(f * width)
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`
}

/** Writes a line that replaces itself on a terminal and is appended elsewhere (CI logs). */
export function statusWriter(
  stream: NodeJS.WriteStream = process.stderr,
): (line: string, final?: boolean) => void {
  return (line, final = false) => {
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`)
    else stream.write(`${line}\n`)
  }
}
