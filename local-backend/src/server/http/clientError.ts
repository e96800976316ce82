/**
 * Requests Node's HTTP parser refuses before any route runs: headers over the
 * limit get 431, other malformed HTTP 400, each with the JSON `{code, message}`
 * every other refusal has.
 */
import type { Duplex } from "node:stream";

/** All header lines of one request together (Node's default `maxHeaderSize`). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** How long a refused connection may keep sending before it is cut. */
const LINGER_MS = 5_000;

const answered = new WeakSet<Duplex>();

export function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser stays in its error state and reports every later chunk again.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawResponse(...refusal(error)));
  // Destroying the socket while the client is still sending its headers resets
  // the connection before it reads the answer; the rest is read and dropped
  // until the client closes, or the linger runs out.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

function refusal(error: NodeJS.ErrnoException): [number, string, string, string] {
  if (error.code === "HPE_HEADER_OVERFLOW") {
    const message = `The request headers exceed the limit of ${MAX_HEADER_BYTES} bytes`;
    return [431, "Request Header Fields Too Large", "RequestHeaderFieldsTooLarge", message];
  }
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return [408, "Request Timeout", "RequestTimeout", "The request headers did not arrive in time"];
  }
  return [400, "Bad Request", "BadRequest", `Malformed HTTP request: ${error.code ?? error.message}`];
}

function rawResponse(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ code, message });
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
