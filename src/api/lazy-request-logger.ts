import type { FastifyBaseLogger } from 'fastify';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Fastify's per-request logger (it carries the request id), made only when something is logged at a
 * level the parent lets through. A pino child re-applies the parent's redaction and serializers when it
 * is made: per request, that was an eighth of a signed call's CPU (bench:api, with the level at warn and
 * nothing logged at all).
 */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, options: object): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const real = () => (child ??= parent.child(bindings, options));
  const enabled = (level: Level) => (parent as FastifyBaseLogger & { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
  const logger = {
    get level() {
      return child?.level ?? parent.level;
    },
    set level(value: string) {
      real().level = value;
    },
    silent: () => {},
    child: (b: Record<string, unknown>, o?: object) => real().child(b, o),
  } as unknown as FastifyBaseLogger;
  for (const level of LEVELS) {
    (logger as unknown as Record<Level, (...args: unknown[]) => void>)[level] = (...args: unknown[]) => {
      if (child !== undefined || enabled(level)) (real()[level] as (...a: unknown[]) => void)(...args);
    };
  }
  return logger;
}
