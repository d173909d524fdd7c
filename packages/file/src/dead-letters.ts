/** Name of the folder, inside the queue folder, that rows failed `maxReceiveCount` times go to. */
export const deadLetterFolder = 'dead';
