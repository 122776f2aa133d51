import type { Socket } from 'node:net'
import type { buildConnector } from 'undici'

interface Warm {
  /** The connected socket, or null when connecting failed or it closed before it was taken. */
  ready: Promise<Socket | null>
  socket?: Socket
  timer?: NodeJS.Timeout
  /** Listeners of the waiting socket, removed when it is handed over. */
  onError?: () => void
  onClose?: () => void
}

/**
 * Connections opened ahead of the requests that will need them (issue 21): their TCP and TLS handshakes
 * happen while a run's first requests are in flight instead of on the critical path of a later request.
 * Only sockets are opened, no HTTP request is sent. The keep-alive pool gets a warmed socket the next
 * time it opens a connection to the API's origin (one still connecting is handed over too: the pool
 * then waits for the rest of its handshake only). A socket nobody takes within `idleMs`, or that the
 * server closes meanwhile, is dropped.
 */
export class WarmSockets {
  readonly #connect: buildConnector.connector
  readonly #origin: { protocol: string; hostname: string; host: string; port: string }
  readonly #idleMs: number
  readonly #onOpen: () => void
  readonly #waiting: Warm[] = []
  #inUse = 0
  #closed = false

  /** `onOpen` is called for every socket it starts opening (the transport counts connections). */
  constructor(options: { connect: buildConnector.connector; origin: string; idleMs: number; onOpen: () => void }) {
    this.#connect = options.connect
    const url = new URL(options.origin)
    // As undici passes it to its connector: an IPv6 address without its brackets.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    this.#origin = { protocol: url.protocol, hostname, host: url.host, port: url.port }
    this.#idleMs = options.idleMs
    this.#onOpen = options.onOpen
  }

  /** Sockets waiting to be taken (connected or still connecting). */
  get size(): number {
    return this.#waiting.length
  }

  /** Connections of the pool that are open (or opening), warmed or not. */
  get inUse(): number {
    return this.#inUse
  }

  /** Open sockets until `total` connections are open, opening or waiting. */
  fill(total: number): void {
    for (let i = this.#inUse + this.#waiting.length; i < total && !this.#closed; i++) this.#openOne()
  }

  /**
   * A warmed socket for a connection the pool opens to `opts`' origin (its handshake maybe still under
   * way), or undefined when none waits: then the pool connects as usual. The promise gives null when the
   * socket failed or closed: the caller connects as usual then too.
   */
  take(opts: buildConnector.Options): Promise<Socket | null> | undefined {
    if (!this.#sameOrigin(opts)) return undefined
    const warm = this.#waiting.shift()
    if (warm === undefined) return undefined
    return warm.ready.then((socket) => {
      if (socket === null) return null
      clearTimeout(warm.timer)
      if (warm.onError !== undefined) socket.off('error', warm.onError)
      if (warm.onClose !== undefined) socket.off('close', warm.onClose)
      if (socket.destroyed || socket.readyState !== 'open') return null
      socket.ref()
      return socket
    })
  }

  /** Count a connection of the pool until it closes (from the moment it starts opening). */
  track(): (socket: Socket | null) => void {
    this.#inUse++
    return (socket) => {
      if (socket === null || socket.destroyed) this.#inUse--
      else socket.once('close', () => this.#inUse--)
    }
  }

  /** Close every socket still waiting; nothing is opened afterwards. */
  close(): void {
    this.#closed = true
    for (const warm of this.#waiting.splice(0)) {
      clearTimeout(warm.timer)
      warm.socket?.destroy()
    }
  }

  #openOne(): void {
    const warm: Warm = { ready: Promise.resolve(null) }
    const drop = (): void => {
      const index = this.#waiting.indexOf(warm)
      if (index >= 0) this.#waiting.splice(index, 1)
      clearTimeout(warm.timer)
    }
    this.#onOpen()
    warm.ready = new Promise((resolve) => {
      const { protocol, hostname, host, port } = this.#origin
      this.#connect({ protocol, hostname, host, port, localAddress: null }, (error, socket) => {
        if (error !== null || socket === null) {
          drop()
          return resolve(null)
        }
        const connected = socket
        if (this.#closed) {
          connected.destroy()
          return resolve(null)
        }
        warm.socket = connected
        // While nobody has taken it, the socket does not keep the process alive (a client left open must
        // not hold its process until the idle timeout); the pool gets it referenced again (take).
        connected.unref()
        warm.onError = () => undefined
        warm.onClose = drop
        connected.on('error', warm.onError)
        connected.once('close', warm.onClose)
        warm.timer = setTimeout(() => {
          drop()
          connected.destroy()
        }, this.#idleMs)
        warm.timer.unref()
        resolve(connected)
      })
    })
    this.#waiting.push(warm)
  }

  #sameOrigin(opts: buildConnector.Options): boolean {
    const defaultPort = opts.protocol === 'https:' ? '443' : '80'
    return (
      opts.protocol === this.#origin.protocol &&
      opts.hostname === this.#origin.hostname &&
      (opts.port === '' ? defaultPort : opts.port) === (this.#origin.port === '' ? defaultPort : this.#origin.port)
    )
  }
}

/**
 * The pool's connector: a warmed socket when one waits for this origin, else `fresh` (which connects).
 * undici wants its connector to call back asynchronously (a synchronous call stalls the pool).
 */
export function warmFirst(warm: WarmSockets, fresh: buildConnector.connector): buildConnector.connector {
  return (opts, callback) => {
    const settled = warm.track()
    const connect = (): void =>
      fresh(opts, (...result) => {
        // On failure undici's connector calls back with the error alone.
        settled(result[0] === null ? result[1] : null)
        callback(...result)
      })
    const taken = warm.take(opts)
    if (taken === undefined) return connect()
    void taken.then((socket) => {
      if (socket === null) return connect()
      settled(socket)
      setImmediate(() => callback(null, socket))
    })
  }
}
