/**
 * Go's text forms of the apimachinery time types, so decoded protobuf objects read exactly
 * like the JSON kube-apiserver and kubectl exchange (metav1.Time, MicroTime, Duration).
 */

const MS_PER_SECOND = 1000;
const NANOS_PER_MICRO = 1000;
const MICRO_DIGITS = 6;
const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_MINUTE = 60n;
const MINUTES_PER_HOUR = 60n;
const NANOS_PER_MICRO_BIG = 1000n;
const NANOS_PER_MILLI = 1_000_000n;

/** `2006-01-02T15:04:05` of a Unix time, UTC. */
function isoSeconds(seconds: number): string {
  return new Date(seconds * MS_PER_SECOND).toISOString().slice(0, '2006-01-02T15:04:05'.length);
}

/** metav1.Time marshals as RFC 3339 with second precision: `2026-01-01T00:00:00Z`. */
export function formatTime(seconds: number): string {
  return `${isoSeconds(seconds)}Z`;
}

/** metav1.MicroTime marshals as RFC 3339 with exactly six fractional digits. */
export function formatMicroTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / NANOS_PER_MICRO)).padStart(MICRO_DIGITS, '0');
  return `${isoSeconds(seconds)}.${micros}Z`;
}

/** `value / 10^digits` as Go prints it: trailing zeros and a bare '.' dropped. */
function withFraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${value / scale}${fraction ? `.${fraction}` : ''}`;
}

/** time.Duration.String(): `1h0m0s`, `1m30s`, `1.5s`, `300ms`, `0s`. */
export function formatGoDuration(nanoseconds: bigint): string {
  const sign = nanoseconds < 0n ? '-' : '';
  const ns = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (ns === 0n) return '0s';
  if (ns < NANOS_PER_MICRO_BIG) return `${sign}${ns}ns`;
  if (ns < NANOS_PER_MILLI) return `${sign}${withFraction(ns, 3)}µs`;
  if (ns < NANOS_PER_SECOND) return `${sign}${withFraction(ns, 6)}ms`;
  let out = `${withFraction(ns, 9)}s`.replace(/^\d+/, (whole) => String(BigInt(whole) % SECONDS_PER_MINUTE));
  const minutes = ns / NANOS_PER_SECOND / SECONDS_PER_MINUTE;
  if (minutes > 0n) {
    out = `${minutes % MINUTES_PER_HOUR}m${out}`;
    const hours = minutes / MINUTES_PER_HOUR;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}
