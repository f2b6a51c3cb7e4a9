// A peer that cannot start fails the run loudly: the message names the peer, the command
// and the last lines of its log, so the reader of a red CI run sees why without digging.
export class PeerStartError extends Error {
  readonly peer: string;
  readonly addressInUse: boolean;

  constructor(peer: string, message: string, logTail: string) {
    super(message);
    this.name = 'PeerStartError';
    this.peer = peer;
    this.addressInUse = isAddressInUse(logTail);
  }
}

export function isAddressInUse(text: string): boolean {
  return /address already in use|EADDRINUSE|could not bind|bind: address/i.test(text);
}
