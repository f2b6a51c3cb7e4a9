import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

describe('sprig float math', () => {
  it('adds, subtracts and multiplies in decimal, so 0.1 + 0.2 is 0.3', () => {
    assert.equal(render('{{ addf 0.1 0.2 }} {{ subf 0.3 0.1 }} {{ mulf 0.1 3 }} {{ add1f 0.1 }}'), '0.3 0.2 0.3 1.1');
    assert.equal(render('{{ addf }} {{ addf 1 }} {{ subf 5 }} {{ mulf 2 }}'), '0 1 5 2');
  });

  it('divides to 16 decimal places, rounding half away from zero', () => {
    // Plain float division would print 0.14285714285714285.
    assert.equal(
      render('{{ divf 1 7 }} {{ divf -1 7 }} {{ divf 1 -7 }} {{ divf 7 2 }}'),
      ['0.1428571428571429', '-0.1428571428571429', '-0.1428571428571429', '3.5'].join(' '),
    );
  });

  it('fails division by zero and infinite operands as Go panics, without quoting data', () => {
    assert.throws(() => render('{{ divf 1 0 }}'), /error calling divf: decimal division by 0/);
    assert.throws(
      () => render('{{ addf .x 1 }}', { x: 'inf' }),
      /error calling addf: Cannot create a Decimal from \+Inf/,
    );
  });

  it('converts operands leniently and answers float64', () => {
    assert.equal(
      render('{{ addf "1.5" .n 2 }} {{ mulf .n "x" }} {{ subf true 0.5 }} {{ addf 1 2 | printf "%T" }}', { n: '2.25' }),
      '5.75 0 0.5 float64',
    );
  });

  it('keeps maxf and minf in float64, including signed zeros', () => {
    assert.equal(
      render('{{ maxf 1 2.5 "3.5" }} {{ minf 1 -2.5 }} {{ maxf -0.0 0 }} {{ minf 0 -0.0 }}'),
      '3.5 -2.5 0 -0',
    );
  });

  it('rounds like Sprig: the fraction decides between floor and ceil', () => {
    assert.equal(
      render('{{ round 2.456 2 }} {{ round 2.5 0 }} {{ round 2.45 1 0.4 }} {{ round 1234.5678 -2 }}'),
      '2.46 3 2.5 1200',
    );
    // Sprig compares the signed fraction, so negative halves and below round down.
    assert.equal(render('{{ round -2.4 0 }} {{ round -2.5 0 }} {{ round -2.6 0 }}'), '-3 -3 -3');
    assert.equal(render('{{ floor -2.1 }} {{ ceil -0.5 }} {{ floor "3.9" }} {{ ceil 5 }}'), '-3 -0 3 5');
  });
});
