export interface Series {
  name: string;
  /** CSS colour, usually a theme variable such as `var(--chart-1)`. */
  color: string;
  values: readonly number[];
}

export interface Segment {
  label: string;
  value: number;
  color: string;
}
