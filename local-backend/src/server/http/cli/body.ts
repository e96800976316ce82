/** CLI request bodies: JSON, brotli- or gzip-compressed for pushes (`Content-Encoding`). */
import { brotliDecompress, gunzip, type InputType } from "node:zlib";
import { promisify } from "node:util";
import { badRequest, HttpError } from "../../errors.js";
import { parseJsonObject, readBody } from "../body.js";
import { header, type HttpContext } from "../context.js";

/** A push carries every bundled module with its source map. */
export const MAX_PUSH_BYTES = 256 * 1024 * 1024;

type Decoder = (input: InputType, options: { maxOutputLength: number }) => Promise<Buffer>;
const DECODERS: Record<string, Decoder> = {
  br: promisify(brotliDecompress) as Decoder,
  gzip: promisify(gunzip) as Decoder,
};

export async function readCliJson(ctx: HttpContext): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req, MAX_PUSH_BYTES);
  const encoding = (header(ctx, "content-encoding") ?? "identity").trim().toLowerCase();
  let body = raw;
  if (encoding !== "identity") {
    const decode = DECODERS[encoding];
    if (decode === undefined) throw new HttpError(415, "UnsupportedContentEncoding", `Content-Encoding ${encoding} is not supported`);
    try {
      body = await decode(raw, { maxOutputLength: MAX_PUSH_BYTES });
    } catch (error) {
      throw badRequest("BadJsonBody", `Failed to decode the ${encoding} body: ${(error as Error).message}`);
    }
  }
  return parseJsonObject(body);
}
