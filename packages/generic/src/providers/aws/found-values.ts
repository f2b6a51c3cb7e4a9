// The values of the names a find listed, read concurrently (through the batch reader). A name
// deleted between the list and its read is simply gone; any other failure fails the find.

import { BackendError, type SecretMap } from '@lockstep/core';

export async function foundValues<V>(
  names: string[],
  read: (name: string) => Promise<V>,
  payloadOf: (value: V) => Uint8Array | undefined,
): Promise<SecretMap> {
  const data: SecretMap = {};
  const values = await Promise.allSettled(names.map(read));
  values.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      const payload = payloadOf(outcome.value);
      if (payload) data[names[i] as string] = payload;
    } else if (!(outcome.reason instanceof BackendError && outcome.reason.errorClass === 'NotFound')) {
      throw outcome.reason;
    }
  });
  return data;
}
