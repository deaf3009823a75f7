/** Which keys are refused on top of those no store can hold. */
export interface KeyRules {
  /** Full mode: MongoDB keeps the payload as a document, where a leading `$` marks an operator. */
  dollarPrefix: boolean
}

export interface ForbiddenKey {
  key: string
  reason: string
}

/**
 * The first key, at any depth, that a job may not carry, and why; undefined when every key is fine.
 * A NUL byte ends a key in BSON and C strings, so no store holds it faithfully. `__proto__` (and a
 * `constructor` holding a `prototype`) is refused rather than passed on: JSON.parse keeps it as plain
 * data, but a vendor or mapping that merges the payload into an object would change that object's
 * prototype. Walks with its own stack, so no nesting can overflow the call stack.
 */
export function forbiddenKey (value: unknown, rules: KeyRules): ForbiddenKey | undefined {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item)
      continue
    }
    for (const [key, child] of Object.entries(node)) {
      const reason = keyProblem(key, child, rules)
      if (reason !== undefined) return { key, reason }
      stack.push(child)
    }
  }
  return undefined
}

/** Why a key may not be stored, or undefined. */
export function keyProblem (key: string, value: unknown, rules: KeyRules): string | undefined {
  if (key.includes('\0')) return 'it contains a NUL byte, which the job store cannot hold'
  if (rules.dollarPrefix && key.startsWith('$')) return 'it starts with "$", which MongoDB reserves for operators'
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'))) {
    return 'it could replace the prototype of an object the payload is merged into'
  }
  return undefined
}
