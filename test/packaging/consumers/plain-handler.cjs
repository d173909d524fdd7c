// The pool threads' handler of plain.cjs, as a CommonJS module.
'use strict';
module.exports = function handler(bulk) {
  for (const message of bulk) if (message.body.n < 0) throw new RangeError(`negative: ${message.body.n}`);
};
