/**
 * The base64 `ZipFile` of a CreateFunction or UpdateFunctionCode request, decoded straight from
 * the request's bytes: JSON.parse of a 70 MB body would make two strings of 70 MB (the text, then
 * the value) beside the body and the zip, and a service taking eight such uploads in a row held
 * them all until the next full garbage collection.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** Base64 decoded a slice at a time: a multiple of 4 characters. */
const DECODE_CHARS = 4 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Where the string value of `ZipFile` lies in `body`, under the objects named by `path`
 * (["Code"] for CreateFunction, [] for UpdateFunctionCode): [start, end) of its characters, or
 * undefined when the body is shaped otherwise (the caller then parses it as it comes).
 */
function findZipFile(body: Buffer, path: readonly string[]): [number, number] | undefined {
  const keys: (string | undefined)[] = [];
  let lastString: [number, number] | undefined;
  for (let at = 0; at < body.length; at++) {
    const byte = body[at]!;
    if (byte === QUOTE) {
      const start = at + 1;
      let end = start;
      while (end < body.length && body[end] !== QUOTE) end += body[end] === BACKSLASH ? 2 : 1;
      if (end >= body.length) return undefined;
      let next = end + 1;
      while (next < body.length && WHITESPACE.has(body[next]!)) next++;
      const isKey = body[next] === COLON;
      if (isKey && keys.length === path.length + 1 && keys.every((key, i) => i === 0 || key === path[i - 1])) {
        if (body.toString('latin1', start, end) === 'ZipFile') {
          let value = next + 1;
          while (value < body.length && WHITESPACE.has(body[value]!)) value++;
          if (body[value] !== QUOTE) return undefined;
          const close = body.indexOf(QUOTE, value + 1);
          if (close < 0 || body.subarray(value + 1, close).includes(BACKSLASH)) return undefined;
          return [value + 1, close];
        }
      }
      lastString = isKey ? [start, end] : undefined;
      at = end;
    } else if (byte === OPEN) {
      keys.push(lastString ? body.toString('utf8', lastString[0], lastString[1]) : undefined);
      lastString = undefined;
    } else if (byte === OPEN_ARRAY) {
      keys.push(undefined);
      lastString = undefined;
    } else if (byte === CLOSE || byte === CLOSE_ARRAY) keys.pop();
  }
  return undefined;
}

function decodeBase64(text: Buffer): Buffer | undefined {
  const zip = Buffer.allocUnsafe(Math.floor((text.length * 3) / 4));
  let written = 0;
  for (let at = 0; at < text.length; at += DECODE_CHARS) {
    const slice = text.toString('latin1', at, Math.min(at + DECODE_CHARS, text.length));
    // Padding or a stray character inside would shift the slices after it: take the slow way.
    if (!BASE64.test(slice) || (slice.includes('=') && at + DECODE_CHARS < text.length)) return undefined;
    written += zip.write(slice, written, 'base64');
  }
  return zip.subarray(0, written);
}

/**
 * The request's JSON text with the ZipFile value left empty, and the zip it carried; undefined
 * when the request does not have the usual shape, to be parsed whole.
 */
export function splitZipFile(body: Buffer, path: readonly string[]): { rest: Buffer; zip: Buffer } | undefined {
  const found = findZipFile(body, path);
  if (!found) return undefined;
  const zip = decodeBase64(body.subarray(found[0], found[1]));
  if (!zip) return undefined;
  return { rest: Buffer.concat([body.subarray(0, found[0]), body.subarray(found[1])]), zip };
}
