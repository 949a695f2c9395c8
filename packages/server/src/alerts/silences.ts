// What acks and mutes mean for one incident: a mute (of the incident or of its rule) silences every
// channel; an ack only stops the repeats (the person knows; 'resolved' still goes out).
import type { AlertSilenceRecord, AlertSilencesAsync } from '@cpamp/store';

export type SilenceSource = Pick<AlertSilencesAsync, 'active'>;

export interface SilenceState {
  acked: boolean;
  ackedAtMs: number | null;
  /** The mute in force (the longest one when both the incident and its rule are muted), or null. */
  mute: { id: number; scope: 'incident' | 'rule'; untilMs: number | null } | null;
}

export function silenceOf(
  list: readonly AlertSilenceRecord[],
  incidentId: number,
  ruleId: number,
): SilenceState {
  let ack: AlertSilenceRecord | null = null;
  let mute: AlertSilenceRecord | null = null;
  for (const s of list) {
    if (s.kind === 'ack' && s.scope === 'incident' && s.targetId === incidentId) ack = s;
    if (s.kind !== 'mute') continue;
    if (
      (s.scope === 'incident' && s.targetId === incidentId) ||
      (s.scope === 'rule' && s.targetId === ruleId)
    ) {
      // Forever beats any time; otherwise the later end wins.
      if (!mute || (mute.untilMs !== null && (s.untilMs === null || s.untilMs > mute.untilMs))) mute = s;
    }
  }
  return {
    acked: ack !== null,
    ackedAtMs: ack?.createdAtMs ?? null,
    mute: mute ? { id: mute.id, scope: mute.scope, untilMs: mute.untilMs } : null,
  };
}

/** Whether channels hear about this event of the incident. */
export const channelsHear = (s: SilenceState, event: 'opened' | 'repeated' | 'resolved'): boolean =>
  s.mute === null && !(s.acked && event === 'repeated');
