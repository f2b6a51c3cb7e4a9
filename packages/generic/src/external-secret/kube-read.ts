import { BackendError, type KubeCallTarget, kubeError } from '@lockstep/core';

/**
 * A read the user pointed at: a missing object is their input to fix (`field`), not a remote
 * key gone; any other failure is classified by core's one Kubernetes mapping.
 */
export async function kubeRead<T>(target: KubeCallTarget, field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const failure = kubeError(err, { ...target, verb: 'read' });
    if (failure.errorClass !== 'NotFound') throw failure;
    const where = target.namespace ? ` in namespace "${target.namespace}"` : '';
    throw new BackendError(
      'InvalidInput',
      'kubernetes',
      `${target.kind} "${target.name}"${where} not found: create it or fix ${field}`,
    );
  }
}
