import { expect } from 'vitest'
import { UserError } from '../../src/shared/errors.js'

/** The UserError `fn` throws; the test fails when it throws something else, or nothing. */
export function thrown(fn: () => unknown): UserError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return e as UserError
  }
  throw new Error('expected an error')
}

/** The UserError the promise of `fn` rejects with; the test fails when it rejects with something else, or resolves. */
export async function rejected(fn: () => Promise<unknown>): Promise<UserError> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return e as UserError
  }
  throw new Error('expected a rejection')
}
