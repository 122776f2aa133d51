/**
 * The user's own queue client the scaling-out example imports (`./my-queue.ts`): SQS, Pub/Sub or any
 * other, reduced to what the example uses. The docs check puts it beside the snippets.
 */
export interface QueueMessage {
  body: string
  receiveCount: number
  done(result: string): Promise<void>
}

export const queue = {
  async send(body: string): Promise<void> {
    void body
  },
  async *receive(): AsyncGenerator<QueueMessage> {},
}
