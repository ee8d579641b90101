/**
 * A one-line progress bar for a terminal. It draws only when the stream is a TTY, so piped output carries
 * nothing but the result, and redraws at most ten times a second.
 */
/** What the bar needs of a stream: process.stderr fits. */
export interface Terminal {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class ProgressBar {
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: Terminal,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(fraction: number, label: string): void {
    if (!this.enabled) return;
    const time = this.now();
    if (time - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = time;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 40));
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
    const percent = String(Math.round(fraction * 100)).padStart(3);
    this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${label}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
