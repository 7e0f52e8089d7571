import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * A protobuf message as the list of its fields in wire order, each kept as the bytes it had
 * on the wire. Editing one field and writing the list back reproduces every other field,
 * unknown ones included, byte for byte: the ONNX rewrites need no schema for what they do
 * not touch.
 */
export interface WireField {
  no: number;
  type: WireType;
  /** Length-delimited: the payload without its length prefix. Others: the encoded value. */
  value: Uint8Array;
}

export { WireType };

export function parseFields(bytes: Uint8Array): WireField[] {
  // A plain Uint8Array view, so values are never Node Buffers (whose slice() does not copy).
  const reader = new BinaryReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (no <= 0) throw new RangeError(`invalid field number ${no}`);
    const value = type === WireType.LengthDelimited ? reader.bytes() : reader.skip(type, no);
    fields.push({ no, type, value });
  }
  return fields;
}

export function writeFields(fields: readonly WireField[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const f of fields) {
    writer.tag(f.no, f.type);
    if (f.type === WireType.LengthDelimited) writer.bytes(f.value);
    else writer.raw(f.value);
  }
  return writer.finish();
}

export function first(fields: readonly WireField[], no: number): WireField | undefined {
  return fields.find((f) => f.no === no);
}

export function all(fields: readonly WireField[], no: number): WireField[] {
  return fields.filter((f) => f.no === no);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function asString(field: WireField | undefined): string {
  return field ? utf8.decode(field.value) : '';
}

/** A varint field as a JS number (int64 values in ONNX shapes and attributes fit easily). */
export function asInt(field: WireField | undefined): number {
  if (!field) return 0;
  if (field.type !== WireType.Varint) throw new RangeError(`field ${field.no} is not a varint`);
  return Number(new BinaryReader(field.value).int64());
}

/** Repeated int64: packed (one length-delimited field) or expanded (one varint per value). */
export function asInts(fields: readonly WireField[]): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.type === WireType.Varint) {
      out.push(asInt(f));
    } else {
      const reader = new BinaryReader(f.value);
      while (reader.pos < reader.len) out.push(Number(reader.int64()));
    }
  }
  return out;
}

export function stringField(no: number, value: string): WireField {
  return { no, type: WireType.LengthDelimited, value: new TextEncoder().encode(value) };
}

export function intField(no: number, value: number | bigint): WireField {
  return { no, type: WireType.Varint, value: new BinaryWriter().int64(value).finish() };
}

export function floatField(no: number, value: number): WireField {
  return { no, type: WireType.Bit32, value: new BinaryWriter().float(value).finish() };
}

export function messageField(no: number, fields: readonly WireField[]): WireField {
  return { no, type: WireType.LengthDelimited, value: writeFields(fields) };
}

export function packedInts(no: number, values: readonly (number | bigint)[]): WireField {
  const writer = new BinaryWriter();
  for (const v of values) writer.int64(v);
  return { no, type: WireType.LengthDelimited, value: writer.finish() };
}

export function packedFloats(no: number, values: readonly number[]): WireField {
  const writer = new BinaryWriter();
  for (const v of values) writer.float(v);
  return { no, type: WireType.LengthDelimited, value: writer.finish() };
}

export function bytesField(no: number, value: Uint8Array): WireField {
  return { no, type: WireType.LengthDelimited, value };
}

/** Rewrites the sub-message in `field` (length-delimited) with `edit`. */
export function editMessage(field: WireField, edit: (fields: WireField[]) => WireField[]): WireField {
  return { ...field, value: writeFields(edit(parseFields(field.value))) };
}
