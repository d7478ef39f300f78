/** One line per event: text on a terminal, JSON lines otherwise. */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function makeLogger(min: Level, stream: NodeJS.WriteStream = process.stderr): Logger {
  const floor = LEVELS.indexOf(min);
  const text = stream.isTTY === true;
  return {
    log(level, msg, fields = {}) {
      if (LEVELS.indexOf(level) < floor) return;
      const ts = new Date().toISOString();
      if (!text) {
        stream.write(`${JSON.stringify({ ts, level, msg, ...fields })}\n`);
        return;
      }
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      stream.write(`${ts} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ''}\n`);
    },
  };
}
