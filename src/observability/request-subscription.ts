/**
 * A switchable subscription to the transport's request channel (`encord-agents:encord-request`), shared
 * by the metrics and the health check: subscribing twice or unsubscribing when not subscribed does
 * nothing, so a process can switch either on and off without counting a request twice.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { requestChannel, type RequestOutcome } from '../encord/transport.js'

export class RequestSubscription {
  readonly #listener: (message: unknown) => void
  #subscribed = false

  constructor(onRequest: (outcome: RequestOutcome) => void) {
    // The transport publishes only RequestOutcome values on this channel.
    this.#listener = (message) => onRequest(message as RequestOutcome)
  }

  subscribe(): void {
    if (this.#subscribed) return
    subscribe(requestChannel.name, this.#listener)
    this.#subscribed = true
  }

  unsubscribe(): void {
    if (!this.#subscribed) return
    unsubscribe(requestChannel.name, this.#listener)
    this.#subscribed = false
  }
}
