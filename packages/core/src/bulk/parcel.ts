/**
 * Several bulks sent to the executor together: one flat array of messages and
 * the size of each bulk in it. On a pool thread a parcel is one task, so the
 * thread hop is paid per parcel; the handler still runs once per bulk.
 * See docs/adr/0001-parcels-sized-from-handler-time.md.
 */
export interface Parcel<M> {
  readonly messages: readonly M[];
  readonly bulkSizes: readonly number[];
  /**
   * One suspect message handled alone, after its bulk killed a thread or let an
   * uncaught error escape: if it fails that way again, it is the culprit and is charged.
   */
  readonly isolated?: boolean;
  /**
   * Ordered lanes with several messages of a key in the parcel: for each
   * message, the index of its key's message before it in this parcel (-1:
   * none). Such a message runs only if that one was consumed (`KeyChains`).
   */
  readonly after?: Int32Array;
}
