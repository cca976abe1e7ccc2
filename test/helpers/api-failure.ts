import { expect } from 'vitest'
import { DevinApiError } from '../../src/devin/errors.js'

/** The DevinApiError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function apiFailure(promise: Promise<unknown>): Promise<DevinApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(DevinApiError)
  return error as DevinApiError
}
