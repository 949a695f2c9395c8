import { computeCost, type CostResult, type ModelPrice } from '../prices/cost';
import { rowTokens, type TokenColumns } from './event-tokens';

/** The stored token columns re-pricing reads (besides the event's names). */
export type RepriceTokens = TokenColumns;

/** The cost of a stored event under `price`. */
export const repriceCost = (
  names: { provider: string; serviceTier: string; responseServiceTier: string },
  r: RepriceTokens,
  price: ModelPrice | undefined,
): CostResult =>
  computeCost(
    {
      provider: names.provider,
      serviceTier: names.serviceTier,
      responseServiceTier: names.responseServiceTier,
      ...rowTokens(r),
    },
    price,
  );
