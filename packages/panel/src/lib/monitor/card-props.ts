import type { AnalyticsQuery } from '../api/analytics-api';
import type { ManagerClient } from '../api/manager-client';
import type { MonitorFilters } from './filters.svelte';
import type { PriorityGate } from './priority-gate';

/** What every monitoring card takes: where to ask, the shared filters, a refresh tick, and its priority gate. */
export interface MonitorCardProps {
  client: ManagerClient;
  filters: MonitorFilters;
  /** Bumped by the page's refresh button (and auto-refresh): a change reloads the card. */
  refresh: number;
  /** Default OPEN_GATE (no priorities). */
  gate?: PriorityGate;
}

/**
 * What a card loads with: the filters' query and the page's refresh tick. The card's effect passes it to
 * `Resource.load`, so a new query or a new tick (same query, asked again) reloads the card.
 */
export interface CardRequest {
  query: AnalyticsQuery;
  tick: number;
}
