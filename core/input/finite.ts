/**
 * Whether JSON data holds a number beyond what JSON can carry: `1e400` parses as Infinity, which every
 * store and every vendor's body would turn into null. Walks with its own stack, as forbiddenKey does.
 */
export function holdsNonFinite (value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return true
    } else if (node !== null && typeof node === 'object') {
      for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child)
    }
  }
  return false
}
