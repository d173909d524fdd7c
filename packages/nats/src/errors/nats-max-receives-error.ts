import { ConveyorError } from '@conveyor/core';

/**
 * Why a message went to the dead letters on receipt: it was delivered more
 * often than `maxReceiveCount` without being settled (its consumers crashed on
 * it, or a copy to the dead letters was cut short).
 */
export class NatsMaxReceivesError extends ConveyorError {
  readonly sequence: number;
  readonly receiveCount: number;

  constructor(sequence: number, receiveCount: number, maxReceiveCount: number) {
    super(
      'NATS_MAX_RECEIVES',
      `JetStream message ${sequence} was received ${receiveCount} times (more than maxReceiveCount ${maxReceiveCount}) without being consumed`,
    );
    this.sequence = sequence;
    this.receiveCount = receiveCount;
  }
}
