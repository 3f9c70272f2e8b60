// JSON logs through winston. Nothing here receives credentials: callers log paths and statuses, never headers.
import winston from 'winston';
import type { LogLevel } from '@berth/contracts/proxy-config';

export type Logger = winston.Logger;

export function createLogger(level: LogLevel = 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** Ends the logger and waits until its lines are written (the process may exit right after). */
export function closeLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    // Bounded: a stuck transport must not keep a stopping process alive.
    const timer = setTimeout(resolve, 2_000);
    logger.once('finish', () => {
      clearTimeout(timer);
      // The console transport writes on the next tick after 'finish'; let it.
      setImmediate(resolve);
    });
    logger.end();
  });
}
