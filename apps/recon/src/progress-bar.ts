// A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise).
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  let lastDraw = 0;
  return (phase: string, done: number, total: number) => {
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const text = `${phase.padEnd(8)} [${"#".repeat(Math.round(f * 30)).padEnd(30)}] ${(f * 100).toFixed(0).padStart(3)}% ${done.toLocaleString("en")}/${total.toLocaleString("en")} records`;
    if (stream.isTTY) {
      const now = Date.now();
      if (now - lastDraw < 100 && f < 1) return;
      lastDraw = now;
      stream.write(`\r${text}`);
      if (f >= 1) stream.write("\n");
    } else if (Math.floor(f * 10) > lastTenth) {
      lastTenth = Math.floor(f * 10);
      stream.write(`${text}\n`);
    }
  };
}
