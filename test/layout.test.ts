import { describe, expect, it } from 'vitest'
import { cycles, layoutProblems } from '../scripts/check-layout.ts'

describe('the layout of src/ (npm run layout)', () => {
  it('has no import cycle, only entry files at the root, and keeps the stage rules', () => {
    expect(layoutProblems()).toEqual([])
  })

  it('finds cycles, long and short, and nothing in a graph without one', () => {
    const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges))
    expect(cycles(graph({ main: ['post'], post: ['main'] }))).toEqual([['main', 'post', 'main']])
    expect(cycles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c', 'a']])
    expect(cycles(graph({ a: ['b', 'c'], b: ['c'], c: [], d: ['a'] }))).toEqual([])
  })
})
