import { ConveyorError } from '@conveyor/core';

/** `add()` was given an item JSON cannot encode (undefined, a function, a BigInt, a cycle). */
export class UnserializableItemError extends ConveyorError {
  constructor(options?: { cause?: unknown }) {
    super('UNSERIALIZABLE_ITEM', 'Items of the file queue are stored as JSON; this item cannot be encoded as JSON', options);
  }
}
