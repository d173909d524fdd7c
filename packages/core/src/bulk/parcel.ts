/**
 * Several bulks sent to the executor together: one flat array of messages and
 * the size of each bulk in it. On a pool thread a parcel is one task, so the
 * thread hop is paid per parcel; the handler still runs once per bulk.
 * See docs/adr/0001-parcels-sized-from-handler-time.md.
 */
export interface Parcel<M> {
  readonly messages: readonly M[];
  readonly bulkSizes: readonly number[];
}
