import { InvalidOptionError } from '@conveyor/core';

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * How a `QUEUE_*` variable of the original library is read: durations in
 * seconds (turned into milliseconds), counts, or text.
 */
export type Reading = 'seconds' | 'positiveSeconds' | 'positiveInteger' | 'nonNegativeInteger' | 'text';

/** Which variable holds each option, and how it is read. */
export type EnvironmentSpec<K extends string> = Readonly<Record<K, readonly [variable: string, reading: Reading]>>;

/**
 * The defaults with what the environment sets over them: the fallbacks of a
 * `resolve…Options()` (options given in code win over both). A variable
 * unset or empty is ignored; one that does not parse throws `InvalidOptionError`
 * naming the variable and quoting its text. Parsing text is the one thing the
 * kit's validators do not do; each value is then checked by them like any option.
 */
export function environmentDefaults<T extends Record<K, number | string>, K extends keyof T & string>(
  defaults: T,
  spec: EnvironmentSpec<K>,
  env: Environment,
): T {
  if (env === null || typeof env !== 'object') throw new InvalidOptionError('env', 'an object of environment variables', env);
  const result: T = { ...defaults };
  for (const key of Object.keys(spec) as K[]) {
    const [variable, reading] = spec[key];
    const raw = env[variable];
    if (raw !== undefined && raw !== '') result[key] = read(variable, reading, raw) as T[K];
  }
  return result;
}

function read(variable: string, reading: Reading, raw: string): number | string {
  if (reading === 'text') return raw;
  const value = Number(raw.trim());
  switch (reading) {
    case 'seconds':
      if (!Number.isFinite(value) || value < 0) throw new InvalidOptionError(variable, 'a number of seconds >= 0', raw);
      return Math.round(value * 1000);
    case 'positiveSeconds':
      if (!Number.isFinite(value) || value <= 0) throw new InvalidOptionError(variable, 'a number of seconds > 0', raw);
      return Math.round(value * 1000);
    case 'positiveInteger':
      if (!Number.isSafeInteger(value) || value < 1) throw new InvalidOptionError(variable, 'a positive integer', raw);
      return value;
    case 'nonNegativeInteger':
      if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionError(variable, 'an integer >= 0', raw);
      return value;
  }
}
