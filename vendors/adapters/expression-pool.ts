import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** One evaluation as a worker receives it. */
export interface Evaluation {
  id: number
  source: string
  timeoutMs: number
  stack: number
  input: unknown
}

/** A worker's answer: the value (plain data), or jsonata's error as plain fields. */
export type Evaluated = { id: number, value: unknown } | { id: number, error: { message: string, code?: string, position?: number } }

/** A worker past its bound is stopped this long after jsonata's own timeout would have stopped a loop of steps. */
const HARD_GRACE_MS = 100
/** A mapping building more than this is stopped by V8 in its thread, not by the process running out. */
const WORKER_HEAP_MB = 256
const WORKERS = Math.max(1, Math.min(4, availableParallelism()))
/** Where the worker's code is: beside this file, compiled or (in development and tests, under tsx) not. */
const WORKER_URL = new URL(`./expression-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

class EvaluationStopped extends Error {
  override name = 'EvaluationStopped'
}

interface Task {
  evaluation: Omit<Evaluation, 'id'>
  resolve (answer: Evaluated): void
  reject (err: Error): void
}

interface Thread {
  worker: Worker
  ready: boolean
  task?: Task
  timer?: NodeJS.Timeout
}

const threads = new Set<Thread>()
const waiting: Task[] = []
let ids = 0

/** tsx does not reach worker threads on Node 20: a worker running TypeScript registers it first. */
function spawn (): Thread {
  const worker = WORKER_URL.pathname.endsWith('.ts')
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}) })`, {
      eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }
    })
    : new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } })
  const thread: Thread = { worker, ready: false }
  threads.add(thread)
  worker.on('message', (message: 'ready' | Evaluated) => {
    if (message === 'ready') thread.ready = true
    else finish(thread)?.resolve(message)
    next()
    if (thread.task === undefined) worker.unref()
  })
  const lost = (err: Error): void => {
    threads.delete(thread)
    finish(thread)?.reject(err)
    // A thread that could not even start would fail again: the evaluations waiting for it fail instead.
    if (!thread.ready) for (const task of waiting.splice(0)) task.reject(err)
    next()
  }
  worker.on('error', (err) => lost((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
    ? new EvaluationStopped(`ran out of its ${WORKER_HEAP_MB} MB and was stopped`)
    : err))
  worker.on('exit', () => lost(new EvaluationStopped('its worker thread stopped')))
  return thread
}

/** Ends a thread's task; an idle thread does not keep the process alive (a 'message' listener refs it: unref after). */
function finish (thread: Thread): Task | undefined {
  const { task } = thread
  clearTimeout(thread.timer)
  delete thread.task
  delete thread.timer
  thread.worker.unref()
  return task
}

/** Hands waiting evaluations to idle ready threads, starting threads up to WORKERS. */
function next (): void {
  for (let idle = idleThread(); idle !== undefined && waiting.length > 0; idle = idleThread()) start(idle, waiting.shift() as Task)
  // A thread starting for a waiting evaluation keeps the process alive until it is ready (Worker starts ref'd).
  const starting = [...threads].filter((t) => !t.ready).length
  if (waiting.length > starting && threads.size < WORKERS) spawn()
}

const idleThread = (): Thread | undefined => [...threads].find((t) => t.ready && t.task === undefined)

function start (thread: Thread, task: Task): void {
  thread.task = task
  thread.worker.ref()
  thread.timer = setTimeout(() => {
    threads.delete(thread)
    finish(thread)?.reject(new EvaluationStopped(`ran past its ${task.evaluation.timeoutMs} ms bound and was stopped`))
    void thread.worker.terminate()
    next()
  }, task.evaluation.timeoutMs + HARD_GRACE_MS)
  try {
    thread.worker.postMessage({ id: ++ids, ...task.evaluation } satisfies Evaluation)
  } catch (err) {
    // Input that cannot be copied (nested past what the serializer recurses into) fails only its own evaluation.
    finish(thread)?.reject(new EvaluationStopped(`its input cannot be handed to a worker thread: ${(err as Error).message}`))
  }
}

/**
 * Evaluates `source` over `input` in a worker thread, stopped `timeoutMs` (plus a grace) after it began
 * whatever it runs, a built-in function included. Rejects with EvaluationStopped when it was stopped.
 */
export function evaluateApart (evaluation: Omit<Evaluation, 'id'>): Promise<Evaluated> {
  return new Promise((resolve, reject) => {
    waiting.push({ evaluation, resolve, reject })
    next()
  })
}
