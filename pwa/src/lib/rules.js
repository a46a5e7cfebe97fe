// The simple-procedure rules engine, ported from backend/tickets/rules.py. The numbers come
// from the server's rule table (GET /api/v1/rules, cached offline); both implementations
// pass the shared vectors in backend/tickets/rule_vectors.json (tests/unit/test_pwa_rules.py
// runs this file under node). The server checks every ticket again when it arrives.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

/** 18-digit resident ID (GB 11643): a real birth date and the MOD 11-2 check character. */
export function validResidentId(n) {
  if (typeof n !== 'string' || !/^\d{17}[\dXx]$/.test(n)) return false
  const y = +n.slice(6, 10), m = +n.slice(10, 12), d = +n.slice(12, 14)
  const dt = new Date(Date.UTC(y, m - 1, d))
  if (y < 1 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += +n[i] * ID_WEIGHTS[i]
  return ID_CHECK[sum % 11] === n[17].toUpperCase()
}

/** 统一社会信用代码 (GB 32100): charset and the MOD 31 check character. */
export function validUscc(c) {
  if (typeof c !== 'string' || !USCC_RE.test(c)) return false
  let total = 0
  for (let i = 0; i < 17; i++) total += USCC_CHARS.indexOf(c[i]) * USCC_WEIGHTS[i]
  return USCC_CHARS[(31 - (total % 31)) % 31] === c[17]
}

const yuan = (fen) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** The certificate letting `officer` decide in `domain` on `day` (YYYY-MM-DD), or why not. */
export function validCertificate(officer, domain, day) {
  if (officer.role !== 'officer' || !(officer.certificates || []).length) return [null, 'ticket.officer_not_certified']
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
export function evaluate(proposal, { matter, officers, day, rules, priorViolations = 0 }) {
  const out = []
  const no = (code, field, zh, en) => out.push({ code, field, zh, en })
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

  let partyType = party.type
  if (!rules.party_types.includes(partyType)) {
    if (partyType) no('ticket.party_type_invalid', 'party.type', '当事人类型须为公民或组织', 'party.type must be citizen or organization')
    partyType = null
  }
  const idNumber = party.id_number
  if (partyType === 'citizen' && idNumber && !validResidentId(idNumber)) {
    no('ticket.bad_resident_id', 'party.id_number', '居民身份证号码校验不通过', 'The resident ID number fails its check digit')
  }
  if (partyType === 'organization') {
    if (!idNumber) no('ticket.missing_field', 'party.id_number', '缺少统一社会信用代码', 'An organisation needs its unified social credit code')
    else if (!validUscc(idNumber)) no('ticket.bad_credit_code', 'party.id_number', '统一社会信用代码校验不通过', 'The unified social credit code fails its check character')
  }

  if (proposal.matter_code && !matter) no('ticket.matter_unknown', 'matter_code', '执法事项不存在', 'Unknown matter')
  if (matter) {
    if (!matter.empowered) no('ticket.matter_not_empowered', 'matter_code', '本乡镇（街道）未获赋权办理该事项', 'This jurisdiction holds no power for this matter')
    if (!matter.simple_procedure) no('ticket.matter_not_simple', 'matter_code', '该事项不适用简易程序', 'This matter is not open to simple procedure')
  }

  const kind = penalty.kind
  const amount = penalty.amount_fen
  const isInt = (v) => typeof v === 'number' && Number.isInteger(v)
  if (!empty(kind) && !rules.penalty_kinds.includes(kind)) {
    no('ticket.penalty_kind_invalid', 'penalty.kind', '处罚种类无效', 'penalty.kind must be warning, fine or education')
  } else if (kind === 'warning') {
    if (matter && !matter.warning_allowed) no('ticket.warning_not_allowed', 'penalty.kind', '该事项不能仅给予警告', 'This matter does not allow a warning')
    if (amount) no('ticket.amount_with_warning', 'penalty.amount_fen', '警告不应填写罚款金额', 'A warning has no fine')
  } else if (kind === 'education') {
    if (priorViolations > 0) {
      no('ticket.not_first_violation', 'penalty.kind', '当事人有同类违法记录，不适用首违不罚',
        'The party has a prior violation of this matter: no first-violation leniency')
    }
    if (amount) no('ticket.amount_with_warning', 'penalty.amount_fen', '首违不罚不应填写罚款金额', 'Education carries no fine')
  } else if (kind === 'fine') {
    if (!isInt(amount) || amount <= 0) {
      no('ticket.amount_invalid', 'penalty.amount_fen', '罚款金额须为正整数（分）', 'amount_fen must be a positive integer (fen)')
    } else if (partyType) {
      const cap = rules.caps_fen[partyType]
      if (amount > cap) {
        const who = partyType === 'citizen' ? '公民' : '法人或其他组织'
        no('ticket.amount_over_cap', 'penalty.amount_fen', `简易程序对${who}罚款不得超过${yuan(cap)}元，应适用普通程序`,
          `Simple procedure caps a fine on a ${partyType} at ${yuan(cap)} yuan: use general procedure`)
      }
      if (matter) {
        const rng = (matter.ranges || {})[partyType]
        if (!rng) {
          no('ticket.no_fine_for_party', 'penalty.amount_fen', '该事项对此类当事人无罚款规定', 'The matter sets no fine for this party type')
        } else if (!(rng.min_fen <= amount && amount <= rng.max_fen)) {
          no('ticket.amount_outside_range', 'penalty.amount_fen', `罚款须在${yuan(rng.min_fen)}至${yuan(rng.max_fen)}元之间`,
            `The fine must lie between ${yuan(rng.min_fen)} and ${yuan(rng.max_fen)} yuan`)
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
    if (kind !== 'fine') no('ticket.cash_without_fine', 'payment.route', '无罚款不能当场收缴', 'Nothing to collect without a fine')
    const exception = payment.exception
    if (exception && !(exception in rules.on_the_spot_exceptions)) {
      no('ticket.cash_exception_invalid', 'payment.exception', '当场收缴的例外情形无效', 'Unknown on-the-spot exception')
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
