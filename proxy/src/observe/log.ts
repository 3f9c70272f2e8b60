// JSON logs through winston. Nothing here receives credentials: callers log paths and statuses, never headers.
import winston from 'winston';
import type { LogLevel } from '../config/index.ts';

export type Logger = winston.Logger;

export function createLogger(level: LogLevel = 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
