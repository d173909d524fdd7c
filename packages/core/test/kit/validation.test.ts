import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { describeValue, limit, milliseconds, oneOf, optionsObject, positiveInteger } from '@conveyor/core/kit';

describe('the option-validation kit', () => {
  it('quotes numbers JSON cannot show as themselves (NaN is not null)', () => {
    expect(describeValue(Number.NaN)).toBe('`NaN` (number)');
    expect(describeValue(Number.POSITIVE_INFINITY)).toBe('`Infinity` (number)');
    expect(describeValue(10n)).toBe('`10n` (bigint)');
    expect(describeValue(undefined)).toBe('`undefined` (undefined)');
    expect(describeValue({ a: Number.NaN })).toBe('`{"a":"NaN"}` (object)');
    expect(() => positiveInteger('bulkSize', Number.NaN, 1)).toThrow('Expected `bulkSize` to be a positive integer, got `NaN` (number)');
  });

  it('rejects an unknown option with the closest known name, or a given hint', () => {
    const known = ['visibilityTimeout', 'waitTime', 'maxReceiveCount'];
    expect(() => optionsObject({ visibilityTimout: 5 }, known)).toThrow(/did you mean `visibilityTimeout`\?/);
    expect(() => optionsObject({ batchSize: 5 }, known, { batchSize: 'bulkSize' })).toThrow(/did you mean `bulkSize`\?/);
    expect(() => optionsObject({ zzz: 1 }, known)).toThrow(InvalidOptionError);
    expect(() => optionsObject({ zzz: 1 }, known)).not.toThrow(/did you mean/);
    expect(optionsObject(undefined, known)).toEqual({});
    expect(() => optionsObject([], known)).toThrow('Expected `options` to be an object');
  });

  it('checks numbers, limits, durations and choices with the option named', () => {
    expect(limit('maxReceiveCount', Number.POSITIVE_INFINITY, 5)).toBe(Number.POSITIVE_INFINITY);
    expect(() => limit('maxReceiveCount', 0, 5)).toThrow(/`maxReceiveCount` to be a positive integer or Infinity/);
    expect(milliseconds('waitTime', undefined, 100)).toBe(100);
    expect(() => milliseconds('waitTime', 0, 100, { positive: true })).toThrow(/> 0/);
    expect(() => milliseconds('waitTime', -1, 100)).toThrow(/>= 0/);
    expect(oneOf('executor', undefined, ['threads', 'inline'], 'inline')).toBe('inline');
    expect(() => oneOf('executor', 'pool', ['threads', 'inline'], 'inline')).toThrow("'threads' or 'inline'");
  });
});
