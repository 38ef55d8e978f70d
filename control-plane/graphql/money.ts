import { Field, ObjectType } from 'type-graphql';
import { CURRENCY, formatMicroUsd, formatPicoUsd } from '../../shared/pricing.js';

@ObjectType({
  description:
    'An exact amount of money: a decimal string and its currency, never a float. Parse `amount` with a decimal type ' +
    '(a float would round it). Costs carry 12 decimals (pico-dollars); prices per million tokens up to 6 (micro-dollars).',
})
export class Money {
  @Field({ description: 'The amount as a plain decimal string, e.g. "0.15" or "0.000150000000"; no exponent, no thousands separator.' })
  amount!: string;

  @Field({ description: 'The ISO 4217 currency code of the amount; always "USD" for now.' })
  currency!: string;

  /** A cost in pico-USD (exact, 12 decimals). */
  static fromPicoUsd(picoUsd: bigint): Money {
    return Object.assign(new Money(), { amount: formatPicoUsd(picoUsd), currency: CURRENCY });
  }

  /** A price in micro-USD per million tokens, as dollars per million tokens. */
  static fromMicroUsd(microUsd: number): Money {
    return Object.assign(new Money(), { amount: formatMicroUsd(microUsd), currency: CURRENCY });
  }
}
