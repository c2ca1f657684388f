/**
 * The AWS event stream encoding (application/vnd.amazon.eventstream) that InvokeWithResponseStream
 * answers in: each message is a prelude (total and header lengths, CRC32), string headers, the
 * payload and a CRC32 of the whole.
 */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One event message with string headers (`:message-type`, `:event-type`, `:content-type`). */
function eventMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encoded = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const nameBytes = Buffer.from(name);
      const valueBytes = Buffer.from(value);
      const header = Buffer.alloc(1 + nameBytes.length + 3);
      header.writeUInt8(nameBytes.length, 0);
      nameBytes.copy(header, 1);
      header.writeUInt8(7, 1 + nameBytes.length); // 7: string
      header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
      return Buffer.concat([header, valueBytes]);
    }),
  );
  const total = 12 + encoded.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(encoded.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, encoded, payload, Buffer.alloc(4)]);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** Lambda's streamed answer: the response in PayloadChunk events, then InvokeComplete. */
export function responseStream(
  payload: Buffer,
  complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string },
): Buffer {
  const CHUNK = 64 * 1024;
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += CHUNK) {
    chunks.push(
      eventMessage(
        { ':event-type': 'PayloadChunk', ':content-type': 'application/octet-stream', ':message-type': 'event' },
        payload.subarray(at, at + CHUNK),
      ),
    );
  }
  chunks.push(
    eventMessage(
      { ':event-type': 'InvokeComplete', ':content-type': 'application/json', ':message-type': 'event' },
      Buffer.from(JSON.stringify(complete)),
    ),
  );
  return Buffer.concat(chunks);
}
