import { expect } from 'vitest'
import { UserError } from '../../src/core/errors.js'

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
