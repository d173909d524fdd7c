/** Where a batch file is in its life: being written, ready, claimed by a reader, or failed rows waiting out their backoff. */
export type BatchState = 'loading' | 'avail' | 'assigned' | 'retry';

/** What a batch file name says. */
export interface BatchName {
  readonly state: BatchState;
  /** `<time>_<sequence>_<tag>`: names sort in creation order (a retry batch's time is when it falls due). */
  readonly key: string;
  /** `<pid>-<start>` of the process that owns a loading or assigned file. */
  readonly owner: string | undefined;
}

// time: 13 digits of ms; sequence: 10 digits; tag: which writer made it (a '.' marks a give-back).
const keyPattern = '\\d{13}_\\d{10}_[a-z0-9.]+';
const ownerPattern = '\\d+-\\d+';
const unownedPattern = new RegExp(`^(avail|retry)_(${keyPattern})\\.db$`);
const ownedPattern = new RegExp(`^(loading|assigned)_(${ownerPattern})_(${keyPattern})\\.db$`);

/** `avail_<key>.db`: complete, waiting for a reader. */
export function availName(key: string): string {
  return `avail_${key}.db`;
}

/** `loading_<owner>_<key>.db`: being written by `owner`. */
export function loadingName(owner: string, key: string): string {
  return `loading_${owner}_${key}.db`;
}

/** `assigned_<owner>_<key>.db`: claimed by the reader process `owner`; the rename is the lock. */
export function assignedName(owner: string, key: string): string {
  return `assigned_${owner}_${key}.db`;
}

/**
 * `retry_<key>.db`: failed rows waiting out their retry backoff; the key's time
 * is when they fall due, and a reader then renames the file `avail_<key>.db`.
 */
export function retryName(key: string): string {
  return `retry_${key}.db`;
}

/** The time (ms) a key was made at, or a retry batch falls due at. */
export function keyTime(key: string): number {
  return Number(key.slice(0, 13));
}

/** Parses a batch file name; `undefined` for anything else in the folder (journals, reports, strangers). */
export function parseBatchName(name: string): BatchName | undefined {
  if (name.startsWith('avail_') || name.startsWith('retry_')) {
    const match = unownedPattern.exec(name);
    return match === null ? undefined : { state: match[1] as 'avail' | 'retry', key: match[2] as string, owner: undefined };
  }
  const match = ownedPattern.exec(name);
  if (match === null) return undefined;
  return { state: match[1] as 'loading' | 'assigned', owner: match[2] as string, key: match[3] as string };
}

/** True for a name that looks like an available batch (cheap filter before parsing). */
export function isAvailName(name: string): boolean {
  return name.startsWith('avail_') && name.endsWith('.db');
}

/** True for a name that looks like a retry batch (cheap filter before parsing). */
export function isRetryName(name: string): boolean {
  return name.startsWith('retry_') && name.endsWith('.db');
}
