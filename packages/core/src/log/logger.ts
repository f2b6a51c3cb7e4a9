import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { REDACT_PATHS, REDACTED, redactDeep } from './redaction.ts';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Component name, e.g. `lockstep`. */
  name?: string;
  /** Where lines go; stdout by default. Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

/** The JSON logger every Lockstep component uses: one object per line, ISO timestamps, level names. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.name ? { name: options.name } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      // The walk catches secret fields deeper than the redact paths reach.
      log: (object) => redactDeep(object) as Record<string, unknown>,
      bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
    },
    serializers: {
      err: (err: unknown) => redactDeep(err),
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * A child logger for one object, so every line of a reconcile says which resource it is
 * about and, when given, why it acted (`InitialSync`, `LeaseRenewalDue`, …).
 */
export function objectLogger(logger: Logger, ref: ObjectRef, reason?: string): Logger {
  const bindings: Record<string, string> = { kind: ref.kind, name: ref.name };
  if (ref.namespace) bindings.namespace = ref.namespace;
  if (reason) bindings.reason = reason;
  return logger.child(bindings);
}

/** A logger that writes nothing, for tests and libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
