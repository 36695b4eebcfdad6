/**
 * One HTTP/1.1 request written byte for byte on a socket (node:net): the request target goes out exactly as
 * given, so `/api/./admin`, `//api`, `%61dmin` or an absolute-form target reach the server unnormalized,
 * which `fetch` would not allow.
 */
import net from 'node:net';

export interface RawAnswer {
  status: number;
  body: string;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const head = `${lines.join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: a half-closed socket reads as a client gone, and the proxy would drop its call.
    // `Connection: close` has the server close once it answered.
    const socket = net.connect(Number(port), hostname, () => socket.write(head + (body ?? '')));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? -1);
      const rawHead = split < 0 ? text : text.slice(0, split);
      const rest = split < 0 ? '' : text.slice(split + 4);
      resolve({ status, body: /transfer-encoding:\s*chunked/i.test(rawHead) ? unchunk(rest) : rest });
    });
  });
}

function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    const size = eol < 0 ? 0 : parseInt(text.slice(at, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
