// Fills the paper templates with the phone's functions for the cases the Python test wrote;
// prints JSON {case name: text}. Called by tests/unit/test_pwa_paper.py.
import { readFileSync } from 'node:fs'
import * as paper from '../src/lib/paper.js'

const { rules, cases } = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const out = {}
for (const c of cases) out[c.name] = paper[c.fn](rules, ...c.args)
console.log(JSON.stringify(out))
