// The simple-procedure rules engine, ported from backend/tickets/rules.py. The numbers come
// from the server's rule table (GET /api/v1/rules, cached offline); both implementations
// pass the shared vectors in backend/tickets/rule_vectors.json (tests/unit/test_pwa_rules.py
// runs this file under node). The server checks every ticket again when it arrives.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

const MIN_BIRTH_YEAR = 1900
// GB 32100-2015 Annex A: registration authority -> the organisation categories it registers
const USCC_CATEGORIES = { 1: '1239', 2: '19', 3: '123459', 4: '19', 5: '1239', 6: '129', 7: '129', 8: '19', 9: '123', A: '19', N: '1239', Y: '1' }
const HMT = ['810000', '820000', '830000']

/** The birth date (YYYY-MM-DD) in an 18-digit number, or null when it is no real date from 1900 on. */
function birthOf(n) {
  const y = +n.slice(6, 10), m = +n.slice(10, 12), d = +n.slice(12, 14)
  const dt = new Date(Date.UTC(2000, 0, 1))
  dt.setUTCFullYear(y, m - 1, d) // not Date.UTC(y, …): it maps years below 100 to the 1900s
  if (y < MIN_BIRTH_YEAR || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null
  return n.slice(6, 10) + '-' + n.slice(10, 12) + '-' + n.slice(12, 14)
}

/** 18-digit resident ID (GB 11643): a real birth date (1900 to `on`) and the MOD 11-2 check character. */
export function validResidentId(n, on = null) {
  if (typeof n !== 'string' || !/^\d{17}[\dXx]$/.test(n)) return false
  const born = birthOf(n)
  if (!born || (on && born > on)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += +n[i] * ID_WEIGHTS[i]
  return ID_CHECK[sum % 11] === n[17].toUpperCase()
}

/** Is `number` well formed for its document type (§84)? Same rules as backend/identity_numbers.py. */
export function validDocument(type, number, on = null) {
  const n = (number || '').toUpperCase()
  if (type === 'resident_id') return validResidentId(n, on) && !HMT.includes(n.slice(0, 6))
  if (type === 'hmt_residence_permit') return validResidentId(n, on) && HMT.includes(n.slice(0, 6))
  if (type === 'foreign_permanent_residence') return /^[A-Z]{3}\d{12}$/.test(n) || (n[0] === '9' && validResidentId(n, on))
  if (type === 'passport') return /^[A-Z0-9]{5,20}$/.test(n)
  return false
}

export function birthDateOf(type, number) {
  if (!number || !['resident_id', 'hmt_residence_permit', 'foreign_permanent_residence'].includes(type) || number.length !== 18) return null
  return birthOf(number)
}

/** 统一社会信用代码 (GB 32100): charset, an authority/category pair and the MOD 31 check character. */
export function validUscc(c) {
  if (typeof c !== 'string') return false
  c = c.toUpperCase()
  if (!USCC_RE.test(c) || !(USCC_CATEGORIES[c[0]] || '').includes(c[1])) return false
  let total = 0
  for (let i = 0; i < 17; i++) total += USCC_CHARS.indexOf(c[i]) * USCC_WEIGHTS[i]
  return USCC_CHARS[(31 - (total % 31)) % 31] === c[17]
}

export const isIndividualBusiness = (code) => !!code && code.toUpperCase().startsWith('92')

/** Whole years from `born` to `day` (both YYYY-MM-DD). */
export function ageOn(born, day) {
  return +day.slice(0, 4) - +born.slice(0, 4) - (day.slice(5) < born.slice(5) ? 1 : 0)
}

const yuan = (fen) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** The certificate letting `officer` decide in `domain` on `day` (YYYY-MM-DD), or why not. */
export function validCertificate(officer, domain, day) {
  // an officer or a supervisor holding a certificate may decide (§42); an auxiliary never
  if (!['officer', 'supervisor'].includes(officer.role) || !(officer.certificates || []).length) return [null, 'ticket.officer_not_certified']
  const today = officer.certificates.filter((c) => !c.revoked && c.valid_from <= day && day <= c.valid_until)
  if (!today.length) return [null, 'ticket.certificate_expired']
  const cert = today.find((c) => (c.domains || []).includes(domain))
  return cert ? [cert, null] : [null, 'ticket.certificate_domain']
}

/**
 * Every reason the proposed ticket is unlawful ([] means lawful).
 * @param proposal {party, matter_code, facts, place, penalty, officer_ids, payment, signature}
 * @param matter {code, domain, empowered, simple_procedure, warning_allowed, ranges} or null
 * @param officers [{id, role, name, certificates}]
 * @param day local date of issue, 'YYYY-MM-DD'
 */
/** The same day `years` later (29 February → 28 February), YYYY-MM-DD. */
export function addYears(day, years) {
  const y = +day.slice(0, 4) + years
  const md = day.slice(5)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return `${String(y).padStart(4, '0')}-${md === '02-29' && !leap ? '02-28' : md}`
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/

/** A basis that fines only an ignored order (逾期不改正 / 拒不改正): the decision names the order —
 *  when it was given and, for a deadline, that the deadline passed before this day. */
function checkPriorOrder(order, precondition, day, real, no) {
  order = order && typeof order === 'object' ? order : {}
  const ordered = order.ordered_on || null
  const deadline = order.deadline || null
  if ((ordered && !real(ordered)) || (deadline && !real(deadline))) {
    no('ticket.prior_order_invalid', 'prior_order.ordered_on', '责令改正的日期无效', "The order's dates are not valid dates")
    return
  }
  if (!ordered) {
    no('ticket.prior_order_required', 'prior_order.ordered_on', `该事项依法须「${precondition}」的才能罚款：请填写责令改正的日期，未责令改正的应先责令改正`,
      `The basis fines only after an order to correct was ignored (${precondition}): give the order's date, or order the correction first`)
    return
  }
  if (ordered > day) no('ticket.prior_order_invalid', 'prior_order.ordered_on', '责令改正的日期不能晚于决定日期', 'The order to correct cannot postdate the decision')
  if (precondition.includes('逾期') && !deadline) {
    no('ticket.prior_order_required', 'prior_order.deadline', '该事项须写明责令改正的期限（逾期不改正的才能罚款）', "Give the order's deadline: only a correction overdue is fined")
  } else if (deadline && deadline < ordered) {
    no('ticket.prior_order_invalid', 'prior_order.deadline', '改正期限不能早于责令改正的日期', 'The deadline cannot precede the order')
  } else if (deadline && deadline >= day) {
    no('ticket.prior_order_not_due', 'prior_order.deadline', `改正期限（${deadline}）尚未届满，不能以逾期不改正处罚`, `The deadline (${deadline}) has not passed yet`)
  }
}

export function evaluate(proposal, { matter, officers, day, rules, priorViolations = 0, placeInJurisdiction = null }) {
  const out = []
  const no = (code, field, zh, en) => out.push({ code, field, zh, en })

  // when (§36, §37): the act is dated apart from the decision
  const v = proposal.violation || {}
  let began = v.began_on || day
  let ended = v.ended_on || began
  const real = (d) => ISO_DAY.test(d) && birthOf('000000' + d.replace(/-/g, '')) !== null
  if (!real(began) || !real(ended) || ended < began) {
    no('ticket.bad_violation_time', 'violation', '违法行为的起止时间无效', 'The time of the violation is invalid')
    began = ended = day
  } else if (ended > day) {
    no('ticket.violation_after_decision', 'violation', '违法行为时间不能晚于作出决定的时间', 'The violation cannot be dated after the decision')
  } else {
    const harm = !!v.harm
    const years = harm ? rules.limitation_years_harm : rules.limitation_years
    if (day > addYears(ended, years)) {
      no('ticket.time_barred', 'violation', `违法行为已超过${harm ? '五' : '二'}年未被发现，不再给予行政处罚（第三十六条）`,
        `More than ${years} years have passed since the violation: no penalty (§36)`)
    }
  }
  const party = proposal.party || {}
  const penalty = proposal.penalty || {}
  const payment = proposal.payment || {}
  const signature = proposal.signature || {}
  const empty = (v) => v === null || v === undefined || v === '' || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length)

  for (const [field, value, zh] of [
    ['party.name', party.name, '当事人姓名或名称'],
    ['party.type', party.type, '当事人类型'],
    ['matter_code', proposal.matter_code, '违法事项'],
    ['facts', proposal.facts, '违法事实'],
    ['place', proposal.place, '违法地点'],
    ['penalty.kind', penalty.kind, '处罚种类'],
  ]) {
    if (empty(value)) no('ticket.missing_field', field, `缺少${zh}`, `${field} is required`)
  }
  if (!(signature.sha256 || (signature.refused_note || '').trim())) {
    no('ticket.signature_required', 'signature', '须有当事人签名，或注明当事人拒绝签名',
      "The party's signature, or a note that the party refused to sign, is required")
  }
  // §44–45 (and 住建部令第55号 §13 ¶2): told the facts, grounds and rights, and heard — on the spot too
  if ((proposal.statement || {}).informed !== true) {
    no('ticket.not_informed', 'statement.informed', '作出决定前须告知当事人违法事实、理由、依据及陈述、申辩权利，并听取其意见（第四十四条、第四十五条）',
      'Before deciding, the party must be told the facts, grounds and their rights, and be heard (§44–45)')
  }

  let partyType = party.type
  if (!rules.party_types.includes(partyType)) {
    if (partyType) no('ticket.party_type_invalid', 'party.type', '当事人类型须为公民或组织', 'party.type must be citizen or organization')
    partyType = null
  }
  const idNumber = (party.id_number || '').toUpperCase() || null
  const idType = party.id_type || 'resident_id'
  let born = null
  if (partyType === 'citizen') {
    if (!(rules.document_types || []).includes(idType)) {
      no('ticket.id_type_invalid', 'party.id_type', '证件类型无效', 'Unknown identity document type')
    } else if (idNumber && !validDocument(idType, idNumber, day)) {
      if (idType === 'resident_id') no('ticket.bad_resident_id', 'party.id_number', '居民身份证号码校验不通过', 'The resident ID number fails its check digit')
      else no('ticket.bad_id_document', 'party.id_number', '证件号码不符合该证件类型', 'The number does not fit its document type')
    } else {
      born = birthDateOf(idType, idNumber)
    }
    if (!born && party.birth_date) {
      const b = String(party.birth_date)
      const ok = /^\d{4}-\d{2}-\d{2}$/.test(b) && birthOf('000000' + b.replace(/-/g, '')) !== null
      if (!ok || b > day || b < '1900-01-01') no('ticket.bad_birth_date', 'party.birth_date', '出生日期无效', 'Invalid birth date')
      else born = b
    }
  }
  if (partyType === 'organization') {
    if (!idNumber) no('ticket.missing_field', 'party.id_number', '缺少统一社会信用代码', 'An organisation needs its unified social credit code')
    else if (!validUscc(idNumber)) no('ticket.bad_credit_code', 'party.id_number', '统一社会信用代码校验不通过', 'The unified social credit code fails its check character')
  }
  // who answers as a natural person: a citizen, and a 个体工商户 where the province says so
  const natural = partyType === 'citizen' || (partyType === 'organization' && rules.individual_business_as_citizen &&
    (isIndividualBusiness(idNumber) || !!party.individual_business))
  const scale = natural ? 'citizen' : partyType
  const age = born ? ageOn(born, began) : null // §30: the age when the act was done
  if (age !== null && age < rules.responsible_age) {
    no('ticket.party_under_14', 'party.id_number', '当事人不满十四周岁，不予行政处罚，应当责令监护人加以管教（第三十条）',
      'The party is under 14: no penalty; the guardian is told to discipline them (§30)')
  }
  if (party.capacity === 'none') {
    no('ticket.party_not_responsible', 'party.capacity', '精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚（第三十一条）',
      "No penalty for an act done while unable to recognise or control one's conduct (§31)")
  }
  const mitigation = proposal.mitigation || {}
  const grounds = mitigation.grounds || []
  for (const g of grounds) {
    if (!(g in (rules.mitigation_grounds || {}))) no('ticket.mitigation_ground_invalid', 'mitigation.grounds', '从轻、减轻情节无效', `Unknown mitigating circumstance: ${g}`)
  }
  const minor = age !== null && rules.responsible_age <= age && age < rules.adult_age
  const mustMitigate = minor || grounds.some((g) => (rules.mandatory_mitigation || []).includes(g))
  const mayMitigate = mustMitigate || grounds.length > 0

  if (placeInJurisdiction === false) {
    no('ticket.place_outside_jurisdiction', 'place', '违法地点不在本乡镇（街道）辖区内，不能作出处罚决定（第二十二条）',
      'The place of the violation lies outside this jurisdiction (§22)')
  }

  if (proposal.matter_code && !matter) no('ticket.matter_unknown', 'matter_code', '执法事项不存在', 'Unknown matter')
  if (matter) {
    if (!matter.empowered) no('ticket.matter_not_empowered', 'matter_code', '本乡镇（街道）未获赋权办理该事项', 'This jurisdiction holds no power for this matter')
    if (!matter.simple_procedure) no('ticket.matter_not_simple', 'matter_code', '该事项不适用简易程序', 'This matter is not open to simple procedure')
    if (matter.other_penalty) {
      no('ticket.other_penalty_required', 'matter_code', `该事项依法须同时给予「${matter.other_penalty}」，不适用简易程序（第五十一条）`,
        `The law requires another penalty besides (${matter.other_penalty}): not on the spot (§51)`)
    }
  }

  const kind = penalty.kind
  const amount = penalty.amount_fen
  const isInt = (v) => typeof v === 'number' && Number.isInteger(v)
  if (!empty(kind) && !rules.penalty_kinds.includes(kind)) {
    no('ticket.penalty_kind_invalid', 'penalty.kind', '处罚种类无效', 'penalty.kind must be warning, fine, warning_fine or education')
  } else if (kind === 'warning') {
    if (matter && (!matter.warning_allowed || matter.warning_and_fine)) no('ticket.warning_not_allowed', 'penalty.kind', '该事项不能仅给予警告', 'This matter does not allow a warning')
    if (amount) no('ticket.amount_with_warning', 'penalty.amount_fen', '警告不应填写罚款金额', 'A warning has no fine')
  } else if (kind === 'education') { // §33: 不予行政处罚决定 — not a penalty, a document of its own
    const ground = penalty.ground || 'art33_1_first'
    if (!(ground in (rules.no_penalty_grounds || {}))) {
      no('ticket.no_penalty_ground_invalid', 'penalty.ground', '不予行政处罚的依据无效', 'Unknown ground for no penalty')
    } else if (ground === 'art33_1_first' && priorViolations > 0) { // earlier no-penalty decisions count too
      no('ticket.not_first_violation', 'penalty.kind', '当事人有同类违法记录，不适用首违不罚',
        'The party has a prior violation of this matter: no first-violation leniency')
    }
    if (!idNumber) {
      no('ticket.identity_required', 'party.id_number', '不予行政处罚须核实并记录当事人身份证件号码', "No penalty needs the party's identity number (priors are checked by it)")
    }
    if (ground.startsWith('art33_1') && !(proposal.correction || '').trim()) {
      no('ticket.correction_required', 'correction', '须记录当事人及时改正的情况', 'Record how the party corrected the violation')
    }
    if (amount) no('ticket.amount_with_warning', 'penalty.amount_fen', '首违不罚不应填写罚款金额', 'Education carries no fine')
  } else if (kind === 'fine' || kind === 'warning_fine') {
    if (matter && kind === 'warning_fine' && !matter.warning_and_fine && !matter.warning_allowed) {
      no('ticket.warning_not_allowed', 'penalty.kind', '该事项不能给予警告', 'This matter does not allow a warning')
    }
    if (matter && kind === 'fine' && matter.warning_and_fine) {
      no('ticket.warning_and_fine_required', 'penalty.kind', '该事项依法应当给予警告并处罚款', 'The law requires a warning and a fine together for this matter')
    }
    if (matter && matter.precondition) checkPriorOrder(proposal.prior_order, matter.precondition, day, real, no)
    if (!isInt(amount) || amount <= 0) {
      no('ticket.amount_invalid', 'penalty.amount_fen', '罚款金额须为正整数（分）', 'amount_fen must be a positive integer (fen)')
    } else if (scale) {
      const cap = rules.caps_fen[scale]
      if (amount > cap) {
        const who = scale === 'citizen' ? '公民' : '法人或其他组织'
        no('ticket.amount_over_cap', 'penalty.amount_fen', `简易程序对${who}罚款不得超过${yuan(cap)}元，应适用普通程序`,
          `Simple procedure caps a fine on a ${scale} at ${yuan(cap)} yuan: use general procedure`)
      }
      if (matter) {
        const rng = (matter.ranges || {})[scale]
        if (!rng) {
          no('ticket.no_fine_for_party', 'penalty.amount_fen', '该事项对此类当事人无罚款规定', 'The matter sets no fine for this party type')
        } else if (amount < rng.min_fen && mayMitigate) {
          if (!(mitigation.reason || '').trim()) {
            no('ticket.reduction_reason_required', 'mitigation.reason', '低于法定最低罚款（减轻处罚）须写明理由',
              'A fine below the minimum (reduced penalty) needs a recorded reason')
          }
        } else if (!(rng.min_fen <= amount && amount <= rng.max_fen)) {
          no('ticket.amount_outside_range', 'penalty.amount_fen', `罚款须在${yuan(rng.min_fen)}至${yuan(rng.max_fen)}元之间`,
            `The fine must lie between ${yuan(rng.min_fen)} and ${yuan(rng.max_fen)} yuan`)
        } else if (mustMitigate && amount > rng.min_fen + Math.floor((rng.max_fen - rng.min_fen) / 2)) {
          const mid = rng.min_fen + Math.floor((rng.max_fen - rng.min_fen) / 2)
          const why = minor ? '当事人未满十八周岁' : '有第三十二条规定的情节'
          no('ticket.not_mitigated', 'penalty.amount_fen', `${why}，应当从轻或者减轻处罚：罚款不得超过${yuan(mid)}元（或低于${yuan(rng.min_fen)}元并写明理由）`,
            `The penalty must be lighter or reduced: at most ${yuan(mid)} yuan, or below ${yuan(rng.min_fen)} with a reason`)
        } else if (!mayMitigate && penalty.tier !== undefined && penalty.tier !== null) {
          // §34: the decision names its discretion tier; the amount lies in that tier's band
          const tier = (matter.tiers || []).find((t) => t.party_type === scale && t.level === penalty.tier)
          if (!tier) no('ticket.tier_unknown', 'penalty.tier', '该事项没有所选的裁量档次', 'The matter has no such discretion tier')
          else if (!(tier.min_fen <= amount && amount <= tier.max_fen)) {
            no('ticket.amount_outside_tier', 'penalty.amount_fen', `「${tier.name}」档罚款须在${yuan(tier.min_fen)}至${yuan(tier.max_fen)}元之间（裁量基准）`,
              `The ${tier.name} tier lies between ${yuan(tier.min_fen)} and ${yuan(tier.max_fen)} yuan`)
          }
        }
      }
    }
  }

  const distinct = [...new Set(proposal.officer_ids || [])]
  if (distinct.length < rules.min_officers) {
    no('ticket.two_officers_required', 'officer_ids', '须有两名以上执法人员', 'At least two distinct enforcement officers are required')
  }
  const byId = new Map(officers.map((o) => [o.id, o]))
  if (matter) {
    for (const oid of distinct) {
      const officer = byId.get(oid)
      if (!officer) {
        no('ticket.officer_unknown', 'officer_ids', `执法人员 ${oid} 不存在或不属本乡镇（街道）`, `Officer ${oid} unknown here`)
        continue
      }
      const [, reason] = validCertificate(officer, matter.domain, day)
      const who = officer.name || oid
      if (reason === 'ticket.officer_not_certified') {
        no(reason, 'officer_ids', `${who} 无行政执法证（协管员不能作出处罚）`, `Officer ${oid} holds no enforcement certificate (auxiliaries cannot decide penalties)`)
      } else if (reason === 'ticket.certificate_expired') {
        no(reason, 'officer_ids', `${who} 的行政执法证不在有效期内`, `Officer ${oid}'s certificate is not valid on ${day}`)
      } else if (reason === 'ticket.certificate_domain') {
        no(reason, 'officer_ids', `${who} 的执法证不含「${matter.domain}」门类`, `Officer ${oid}'s certificate does not cover ${matter.domain}`)
      }
    }
  }

  const route = payment.route
  if (!rules.payment_routes.includes(route)) {
    no('ticket.payment_route_invalid', 'payment.route', '缴款方式须为银行/电子缴款或当场收缴', 'payment.route must be bank or on_the_spot')
  } else if (route === 'on_the_spot') {
    if (kind !== 'fine' && kind !== 'warning_fine') no('ticket.cash_without_fine', 'payment.route', '无罚款不能当场收缴', 'Nothing to collect without a fine')
    const exception = payment.exception
    if (exception && !(exception in rules.on_the_spot_exceptions)) {
      no('ticket.cash_exception_invalid', 'payment.exception', '当场收缴的例外情形无效', 'Unknown on-the-spot exception')
    } else if (exception === 'remote_area' && payment.party_requested !== true) {
      no('ticket.cash_request_required', 'payment.party_requested', '边远等地区当场收缴须由当事人提出（第六十九条）', "In a remote area cash is taken only at the party's request (§69)")
    } else if (isInt(amount) && amount > rules.on_the_spot_max_fen && !exception) {
      no('ticket.cash_not_allowed', 'payment.route', `当场收缴限于${yuan(rules.on_the_spot_max_fen)}元以下（第六十八条、第六十九条情形除外）`,
        `On-the-spot collection is limited to ${yuan(rules.on_the_spot_max_fen)} yuan unless §68/§69 applies`)
    }
    if (!(payment.receipt_number || '').trim()) {
      no('ticket.receipt_required', 'payment.receipt_number', '当场收缴须出具专用票据并填写票据号', 'On-the-spot collection needs the official receipt number')
    }
  }
  return out
}

/** The lowest tier of the party type whose band holds the amount (as the server records it). */
export function tierFor(tiers, partyType, amount) {
  return [...(tiers || [])].filter((t) => t.party_type === partyType).sort((a, b) => a.level - b.level)
    .find((t) => t.min_fen <= amount && amount <= t.max_fen) || null
}
