// The operator's logger: JSON lines through winston. Callers pass names, reasons and codes; never Secret values.
import winston from 'winston';

export type Logger = Pick<winston.Logger, 'info' | 'warn' | 'error' | 'debug'> & { child(meta: Record<string, unknown>): Logger };

export function makeLogger(level = process.env.BERTH_LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger that drops everything, for unit tests. */
export const silentLogger: Logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
