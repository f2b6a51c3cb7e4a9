// What a reconciler reads its objects from: an informer's cache, never a fresh GET.

export interface ObjectCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
}
