// moto's own count of AWS calls: its server logs one access line per request, and every
// Secrets Manager call is a `POST /` (the operation travels in X-Amz-Target). A server-side
// count that does not depend on the controller reporting its calls, for Lockstep and ESO alike.

import { readFile } from 'node:fs/promises';

/** Secrets Manager requests moto has answered so far (its access log's `POST /` lines). */
export async function motoRequestCount(logFile: string): Promise<number> {
  const text = await readFile(logFile, 'utf8');
  let n = 0;
  for (let i = text.indexOf('"POST / HTTP/'); i >= 0; i = text.indexOf('"POST / HTTP/', i + 1)) n++;
  return n;
}
