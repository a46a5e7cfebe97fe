// Runs the PWA's rules engine over the shared vectors; called by tests/unit/test_pwa_rules.py
// with a JSON file holding {vectors, rules, expected: {case name: [[code, zh], ...]}}.
import { readFileSync } from 'node:fs'
import { evaluate } from '../src/lib/rules.js'

const { vectors, rules, expected } = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const ids = Object.fromEntries(Object.keys(vectors.officers).map((name, i) => [name, i + 1]))
let failed = 0
for (const c of vectors.cases) {
  const proposal = structuredClone(vectors.base)
  Object.assign(proposal, structuredClone(c.override))
  proposal.officer_ids = proposal.officer_ids.map((n) => ids[n])
  const officers = c.officers.map((n) => ({ id: ids[n], ...vectors.officers[n] }))
  const matter = c.matter ? { code: c.matter, ...vectors.matters[c.matter] } : null
  const got = evaluate(proposal, { matter, officers, day: c.day, rules, priorViolations: c.prior_violations, placeInJurisdiction: c.place_in_jurisdiction ?? null })
    .map((r) => [r.code, r.zh]).sort()
  const want = expected[c.name].slice().sort()
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    failed += 1
    console.log(`FAIL ${c.name}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`)
  }
}
console.log(`${vectors.cases.length - failed}/${vectors.cases.length} vectors agree`)
process.exit(failed ? 1 : 0)
