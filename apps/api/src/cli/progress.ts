/**
 * A one-line progress display on stderr for the berth CLI: redrawn in place on a terminal, and written as
 * occasional plain lines (every 10 % or on a change of phase) when stderr is a file or a pipe.
 */
export class Progress {
  private lastDraw = 0;
  private lastLine = '';
  private lastTenth = -1;
  private drawn = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  /** `done`/`total` in bytes (total may be unknown), `label` is the phase, `extra` what follows the bar. */
  update(label: string, done: number, total: number | undefined, extra = '', force = false): void {
    const now = Date.now();
    const share = total && total > 0 ? Math.min(1, done / total) : undefined;
    if (this.tty) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 30;
      const bar = share === undefined ? '' : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${String(Math.floor(share * 100)).padStart(3)}% `;
      const line = `${label.padEnd(14)} ${bar}${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}${extra ? `  ${extra}` : ''}`;
      process.stderr.write(`\r${line.padEnd(this.lastLine.length)}`);
      this.lastLine = line;
      this.drawn = true;
      return;
    }
    const tenth = share === undefined ? -1 : Math.floor(share * 10);
    const line = `${label} ${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}${extra ? `  ${extra}` : ''}`;
    const phase = `${label}|${extra}`;
    if (!force && tenth === this.lastTenth && phase === this.lastLine) return;
    this.lastTenth = tenth;
    this.lastLine = phase;
    process.stderr.write(`${line}\n`);
  }

  /** Ends the redrawn line so that the next message starts on its own. */
  done(): void {
    if (this.tty && this.drawn) process.stderr.write('\n');
    this.drawn = false;
    this.lastLine = '';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
