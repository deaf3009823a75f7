import { randomBytes } from 'node:crypto'
import type { RequestMapping } from './entry.js'
import { MappingError } from './errors.js'
import { kindOf, toJson, wrongType } from './expression.js'

export type Encoding = NonNullable<RequestMapping['encoding']>
export type FormArrays = NonNullable<RequestMapping['formArrays']>

/** A body ready for the wire: bytes stay bytes, never re-encoded as UTF-8 text. */
export interface EncodedBody {
  body: string | Buffer
  /** The Content-Type the encoding implies, unless the mapping named its own. */
  contentType: string
}

/** A file part of a multipart body, or the bytes of a raw one: `{base64, filename?, contentType?}` in the mapped body. */
interface FilePart {
  bytes: Buffer
  filename?: string
  contentType?: string
}

const FILE_KEYS = new Set(['base64', 'filename', 'contentType'])
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Encodes the value a `body` expression yielded. `json` keeps the first round's rule (a string goes as
 * text, anything else as JSON); `form` and `multipart` flatten an object into fields named as Rails, PHP and
 * Stripe read them (`a[b]`, arrays by `arrays`); `raw` sends a string as it is, or `{base64}` as its bytes.
 */
export function encodeBody (vendor: string, field: string, value: unknown, encoding: Encoding, arrays: FormArrays): EncodedBody {
  switch (encoding) {
    case 'json':
      return typeof value === 'string'
        ? { body: value, contentType: 'text/plain; charset=utf-8' }
        : { body: JSON.stringify(toJson(vendor, field, value)), contentType: 'application/json' }
    case 'raw': {
      if (typeof value === 'string') return { body: value, contentType: 'text/plain; charset=utf-8' }
      const file = filePart(vendor, field, value)
      if (file === undefined) throw wrongType(vendor, field, value, 'a string or {base64} for a raw body')
      return { body: file.bytes, contentType: file.contentType ?? 'application/octet-stream' }
    }
    case 'form': {
      const form = new URLSearchParams()
      for (const [name, item] of fields(vendor, field, value, arrays)) {
        if (typeof item !== 'string') throw new MappingError(vendor, field, `yielded a file at ${name}, which only a multipart body can carry`)
        form.append(name, item)
      }
      return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' }
    }
    case 'multipart':
      return multipart(fields(vendor, field, value, arrays))
  }
}

/** The fields of a form or multipart body, in order; a file part only where a value is one. */
function fields (vendor: string, field: string, value: unknown, arrays: FormArrays): Array<[string, string | FilePart]> {
  if (!isObject(value)) throw wrongType(vendor, field, value, 'an object, whose properties become the fields')
  const out: Array<[string, string | FilePart]> = []
  const visit = (name: string, item: unknown, depth: number): void => {
    if (depth > 32) throw new MappingError(vendor, field, 'yielded fields nested deeper than 32 levels')
    if (item === undefined) return
    const file = filePart(vendor, field, item)
    if (file !== undefined) out.push([name, file])
    else if (Array.isArray(item)) {
      // Arrays of objects or arrays cannot be told apart in brackets or repeat style: they take indices.
      const style = item.some((inner) => isObject(inner) || Array.isArray(inner)) ? 'indices' : arrays
      for (const [i, inner] of item.entries()) visit(style === 'repeat' ? name : style === 'brackets' ? `${name}[]` : `${name}[${i}]`, inner, depth + 1)
    } else if (isObject(item)) {
      for (const [key, inner] of Object.entries(item)) visit(`${name}[${key}]`, inner, depth + 1)
    } else out.push([name, scalar(vendor, field, name, item)])
  }
  for (const [key, inner] of Object.entries(value)) visit(key, inner, 0)
  return out
}

/** A field's text: null is empty, as Stripe reads `metadata[key]=` to clear a key. */
function scalar (vendor: string, field: string, name: string, item: unknown): string {
  if (item === null) return ''
  if (typeof item === 'string') return item
  if (typeof item === 'boolean') return String(item)
  if (typeof item === 'number' && Number.isFinite(item)) return String(item)
  throw new MappingError(vendor, field, `yielded ${kindOf(item)} at ${name}, which a form cannot carry`)
}

/** `{base64, filename?, contentType?}` as a file part; undefined for anything else. Malformed base64 is a MappingError. */
function filePart (vendor: string, field: string, value: unknown): FilePart | undefined {
  if (!isObject(value) || typeof value.base64 !== 'string' || !Object.keys(value).every((key) => FILE_KEYS.has(key))) return undefined
  const { base64, filename, contentType } = value
  if (!BASE64.test(base64)) throw new MappingError(vendor, field, 'yielded a file whose base64 is malformed')
  for (const [name, text] of [['filename', filename], ['contentType', contentType]] as const) {
    if (text !== undefined && (typeof text !== 'string' || /[\r\n\0]/.test(text))) {
      throw new MappingError(vendor, field, `yielded a file whose ${name} is not a one-line string`)
    }
  }
  return {
    bytes: Buffer.from(base64, 'base64'),
    ...(typeof filename === 'string' ? { filename } : {}),
    ...(typeof contentType === 'string' ? { contentType } : {})
  }
}

/** multipart/form-data (RFC 7578) as one buffer: names and filenames quoted the way browsers do. */
function multipart (parts: Array<[string, string | FilePart]>): EncodedBody {
  const boundary = `----vfs${randomBytes(12).toString('hex')}`
  const chunks: Buffer[] = []
  for (const [name, value] of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n'))
      continue
    }
    head += `; filename="${quoted(value.filename ?? 'blob')}"\r\nContent-Type: ${value.contentType ?? 'application/octet-stream'}`
    chunks.push(Buffer.from(`${head}\r\n\r\n`), value.bytes, Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** The HTML standard's escapes for a multipart name: quote, CR and LF percent-encoded. */
function quoted (text: string): string {
  return text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
