//! A claim as a hospital sends it, checked field by field, and what the rules make of it: the
//! settlement, each fund's share to the fen, and the year-to-date figures it moves (no IO).

use chrono::{Datelike, NaiveDate};
use minsheng_core::{Fen, FieldError, IdNumber};
use minsheng_policy::{Evaluation, Policy, Value};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// A list of codes, each with its catalog code (what the rules compare) and its Chinese name.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The catalog code of each of [`Self::ALL`].
            pub const CODES: &'static [&'static str] = &[$($code),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Its position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(field: &str, text: &str) -> Result<$name, FieldError> {
                match text.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(FieldError::new(field, format!(
                        "「{other}」不是{}（{}）", $what,
                        [$(concat!($code, " ", $label)),+].join("、")
                    ))),
                }
            }
        }
    };
}
pub(crate) use codes;

codes!(
    /// 职工医保 or 居民医保.
    Scheme, "险种" {
        Employee => "employee", "职工基本医疗保险";
        Resident => "resident", "城乡居民基本医疗保险";
    }
);

codes!(
    /// Which tier of residents' contribution (or the employees' scheme) a person is enrolled in.
    Tier, "参保档次" {
        Employee => "employee", "职工";
        Adult1 => "adult_1", "成年居民一档";
        Adult2 => "adult_2", "成年居民二档";
        Child => "child", "少年儿童";
        Student => "student", "大学生";
    }
);

codes!(
    Visit, "就医类型" {
        GeneralOutpatient => "general_outpatient", "普通门诊";
        ChronicOutpatient => "chronic_outpatient", "门诊慢特病";
        Inpatient => "inpatient", "住院";
        Maternity => "maternity", "生育";
    }
);

codes!(
    Level, "医院等级" {
        Tier1 => "tier_1", "一级";
        Tier2 => "tier_2", "二级";
        Tier3 => "tier_3", "三级";
    }
);

codes!(
    /// Where the care was given, as the settlement reads it.
    Place, "就医地" {
        InCity => "in_city", "本市";
        InProvince => "in_province", "省内异地";
        RegisteredElsewhere => "registered_elsewhere", "已备案跨省异地";
        UnregisteredElsewhere => "unregistered_elsewhere", "未备案跨省异地";
    }
);

codes!(
    /// The medical-insurance catalogue's class of an item.
    Class, "目录类别" {
        A => "a", "甲类";
        B => "b", "乙类";
        C => "c", "丙类";
        Outside => "outside", "目录外";
    }
);

codes!(
    /// Whom medical assistance (医疗救助) helps after insurance, by category
    /// (国办发〔2021〕42号「科学确定医疗救助对象范围」): 特困 and 低保 from the assistance context's enrolments, the
    /// others as recognised by the civil-affairs bureau. `None`: no assistance.
    Aid, "医疗救助对象类别" {
        None => "none", "非医疗救助对象";
        Tekun => "tekun", "特困人员";
        Dibao => "dibao", "低保对象";
        NearPoor => "near_poor", "低保边缘家庭成员";
        RigidExpenditure => "rigid_expenditure", "刚性支出困难家庭成员";
        IllnessPoverty => "illness_poverty", "因病致贫重病患者";
    }
);

impl Aid {
    /// The categories the civil-affairs bureau recognises (认定) one by one; 特困 and 低保 are
    /// read from the assistance context's enrolments.
    pub const RECOGNISED: [Aid; 3] = [Aid::NearPoor, Aid::RigidExpenditure, Aid::IllnessPoverty];
}

/// One line of a claim as sent: the hospital's catalogue code and the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub item: String,
    pub amount: Fen,
}

/// A claim as a hospital sends it (就医结算单), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The hospital's own number for it: posting it again answers the first settlement.
    pub number: String,
    pub id_number: IdNumber,
    pub date: NaiveDate,
    /// A stay's day of admission (入院日期), when the hospital sends it; `date` is the
    /// discharge. The days between are days in hospital (long-term care does not pay them).
    pub admitted: Option<NaiveDate>,
    pub visit: Visit,
    pub place: Place,
    pub use_account: bool,
    pub total: Fen,
    pub lines: Vec<Line>,
}

/// The most lines one claim may carry: a long stay's daily items fit many times over.
pub const MAX_LINES: usize = 2_000;

impl Claim {
    /// Reads a claim from its JSON, every problem named by field (`lines[2].amount`).
    pub fn from_json(json: &Json) -> Result<Claim, Vec<FieldError>> {
        let mut errors = Vec::new();
        let Some(map) = json.as_object() else {
            return Err(vec![FieldError::new("claim", "结算单应为 JSON 对象")]);
        };
        for key in map.keys() {
            if !CLAIM_FIELDS.contains(&key.as_str()) {
                errors.push(FieldError::new(
                    key.clone(),
                    format!("未知字段（可用字段：{}）", CLAIM_FIELDS.join("、")),
                ));
            }
        }
        let text = |field: &str, errors: &mut Vec<FieldError>| -> Option<String> {
            match map.get(field) {
                Some(Json::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Some(Json::String(_)) | None => {
                    errors.push(FieldError::new(field, "必填"));
                    None
                }
                Some(_) => {
                    errors.push(FieldError::new(field, "应为文字"));
                    None
                }
            }
        };
        let number = text("claim_number", &mut errors);
        if let Some(n) = &number {
            if n.chars().count() > 64 {
                errors.push(FieldError::new("claim_number", "不超过64个字符"));
            }
        }
        let id_number = text("id_number", &mut errors).and_then(|t| {
            IdNumber::parse(&t)
                .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
                .ok()
        });
        let date = text("date", &mut errors).and_then(|t| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "date",
                        format!("「{t}」不是日期（如 2026-03-10）"),
                    ))
                })
                .ok()
        });
        let visit = text("visit", &mut errors)
            .and_then(|t| Visit::parse("visit", &t).map_err(|e| errors.push(e)).ok());
        let admitted = match map.get("admitted") {
            None | Some(Json::Null) => None,
            Some(Json::String(t)) => match NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    errors.push(FieldError::new(
                        "admitted",
                        format!("「{t}」不是日期（如 2026-03-01）"),
                    ));
                    None
                }
            },
            Some(_) => {
                errors.push(FieldError::new("admitted", "应为日期文字"));
                None
            }
        };
        if let Some(admitted) = admitted {
            if visit.is_some_and(|v| v != Visit::Inpatient) {
                errors.push(FieldError::new("admitted", "入院日期只属于住院结算单"));
            }
            if date.is_some_and(|d| admitted > d) {
                errors.push(FieldError::new(
                    "admitted",
                    format!("入院日期 {admitted} 晚于出院结算日"),
                ));
            }
        }
        let place = match map.get("place") {
            None => Some(Place::InCity),
            Some(Json::String(t)) => Place::parse("place", t).map_err(|e| errors.push(e)).ok(),
            Some(_) => {
                errors.push(FieldError::new("place", "应为文字"));
                None
            }
        };
        let use_account = match map.get("use_account") {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => {
                errors.push(FieldError::new("use_account", "应为 true 或 false"));
                false
            }
        };
        let total = match map.get("total") {
            Some(v) => amount("total", v).map_err(|e| errors.push(e)).ok(),
            None => {
                errors.push(FieldError::new("total", "必填"));
                None
            }
        };
        let mut lines = Vec::new();
        match map.get("lines") {
            Some(Json::Array(items)) if items.is_empty() => {
                errors.push(FieldError::new("lines", "至少一条费用明细"))
            }
            Some(Json::Array(items)) if items.len() > MAX_LINES => errors.push(FieldError::new(
                "lines",
                format!("一张结算单最多 {MAX_LINES} 条明细"),
            )),
            Some(Json::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match line(i, item) {
                        Ok(l) => lines.push(l),
                        Err(mut e) => errors.append(&mut e),
                    }
                }
            }
            Some(_) => errors.push(FieldError::new("lines", "应为费用明细的列表")),
            None => errors.push(FieldError::new("lines", "必填")),
        }
        if let (Some(total), true) = (total, errors.is_empty()) {
            let sum = lines
                .iter()
                .try_fold(0_i64, |s, l| s.checked_add(l.amount.0));
            match sum {
                Some(sum) if sum == total.0 => {}
                Some(sum) => errors.push(FieldError::new(
                    "total",
                    format!("合计 {total} 与明细之和 {} 不符", Fen(sum)),
                )),
                None => errors.push(FieldError::new("lines", "明细之和过大")),
            }
        }
        match (number, id_number, date, visit, place, total) {
            (Some(number), Some(id_number), Some(date), Some(visit), Some(place), Some(total))
                if errors.is_empty() =>
            {
                Ok(Claim {
                    number,
                    id_number,
                    date,
                    admitted,
                    visit,
                    place,
                    use_account,
                    total,
                    lines,
                })
            }
            _ => Err(errors),
        }
    }

    /// SHA-256 of what the claim says, so the same number sent again with other contents is
    /// told apart from a retry.
    /// The claim as a hospital sends it: what [`Claim::from_json`] reads back.
    pub fn to_json(&self) -> Json {
        let mut json = serde_json::json!({
            "claim_number": self.number,
            "id_number": self.id_number.as_str(),
            "date": self.date.to_string(),
            "visit": self.visit.as_str(),
            "place": self.place.as_str(),
            "use_account": self.use_account,
            "total": self.total.to_string(),
            "lines": self.lines.iter().map(|l| serde_json::json!({
                "item": l.item,
                "amount": l.amount.to_string(),
            })).collect::<Vec<_>>(),
        });
        if let (Some(day), Some(map)) = (self.admitted, json.as_object_mut()) {
            map.insert("admitted".into(), Json::String(day.to_string()));
        }
        json
    }

    pub fn digest(&self) -> String {
        let mut hash = Sha256::new();
        let head = format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.number,
            self.id_number.as_str(),
            self.date,
            self.visit.as_str(),
            self.place.as_str(),
            self.use_account,
            self.total.0
        );
        hash.update(head.as_bytes());
        // Said only when sent, so a claim without it keeps the digest it always had.
        if let Some(day) = self.admitted {
            hash.update(format!("|admitted {day}").as_bytes());
        }
        for l in &self.lines {
            hash.update(format!("\n{}|{}", l.item, l.amount.0).as_bytes());
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The medical year the claim counts in (the calendar year of its date).
    pub fn year(&self) -> i32 {
        self.date.year()
    }
}

const CLAIM_FIELDS: &[&str] = &[
    "claim_number",
    "id_number",
    "date",
    "admitted",
    "visit",
    "place",
    "use_account",
    "total",
    "lines",
];

fn line(i: usize, item: &Json) -> Result<Line, Vec<FieldError>> {
    let field = |name: &str| format!("lines[{i}].{name}");
    let Some(map) = item.as_object() else {
        let at = format!("lines[{i}]");
        return Err(vec![FieldError::new(
            at,
            "明细应为含 item 和 amount 的对象",
        )]);
    };
    let mut errors = Vec::new();
    for key in map.keys() {
        if key != "item" && key != "amount" {
            errors.push(FieldError::new(
                field(key),
                "未知字段（可用字段：item、amount）",
            ));
        }
    }
    let code = match map.get("item") {
        Some(Json::String(s)) if !s.trim().is_empty() && s.trim().len() <= 64 => {
            Some(s.trim().to_string())
        }
        _ => {
            errors.push(FieldError::new(
                field("item"),
                "医保目录编码必填（不超过64个字符）",
            ));
            None
        }
    };
    let amount = match map.get("amount") {
        Some(v) => amount(&field("amount"), v).map_err(|e| errors.push(e)).ok(),
        None => {
            errors.push(FieldError::new(field("amount"), "必填"));
            None
        }
    };
    match (code, amount) {
        (Some(item), Some(amount)) if errors.is_empty() => Ok(Line { item, amount }),
        _ => Err(errors),
    }
}

/// An amount in yuan, as a string ("12.50") or a JSON number written with at most two
/// decimals; never negative.
fn amount(field: &str, value: &Json) -> Result<Fen, FieldError> {
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => return Err(FieldError::new(field, "金额应为以元为单位的数字，如 12.50")),
    };
    let fen = Fen::parse_yuan(&text).map_err(|e| FieldError::new(field, e.to_string()))?;
    if fen.0 < 0 {
        return Err(FieldError::new(field, "金额不能为负数"));
    }
    Ok(fen)
}

/// Who is insured for which year, as settlement reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    pub scheme: Scheme,
    pub tier: Tier,
    pub retired: bool,
    /// A recognised patient of hypertension or diabetes (“两病”).
    pub two_diseases: bool,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One person's medical year so far: what the year's earlier settlements bore and paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearToDate {
    /// Deductible borne, per visit type (in [`Visit::ALL`] order).
    pub deductible: [Fen; 4],
    pub fund: Fen,
    pub outpatient_fund: Fen,
    pub self_paid_in_policy: Fen,
    pub supplement: Fen,
    /// Medical assistance's own deductible borne and what it paid: the person's year across
    /// schemes (the assistance fund is one).
    pub aid_deductible: Fen,
    pub aid: Fen,
}

impl YearToDate {
    fn slot(visit: Visit) -> usize {
        Visit::ALL.iter().position(|v| *v == visit).unwrap_or(0)
    }

    pub fn deductible_of(&self, visit: Visit) -> Fen {
        self.deductible
            .get(Self::slot(visit))
            .copied()
            .unwrap_or(Fen(0))
    }

    /// The year after a settlement (`sign` 1), or after its reversal (`sign` -1).
    pub fn apply(&self, visit: Visit, s: &Settlement, sign: i64) -> Option<YearToDate> {
        let add = |a: Fen, b: Fen| a.0.checked_add(sign.checked_mul(b.0)?).map(Fen);
        let mut next = *self;
        let slot = next.deductible.get_mut(Self::slot(visit))?;
        *slot = add(*slot, s.deductible_applied)?;
        if visit == Visit::GeneralOutpatient {
            next.outpatient_fund = add(next.outpatient_fund, s.fund)?;
        } else {
            next.fund = add(next.fund, s.fund)?;
        }
        next.self_paid_in_policy = add(next.self_paid_in_policy, s.self_paid_in_policy)?;
        next.supplement = add(next.supplement, s.supplement)?;
        next.aid_deductible = add(next.aid_deductible, s.aid_deductible_applied)?;
        next.aid = add(next.aid, s.aid)?;
        Some(next)
    }
}

/// What one line came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSettlement {
    pub item: String,
    pub class: Class,
    pub amount: Fen,
    pub in_policy: Fen,
    pub first_self_paid: Fen,
}

/// A claim settled: who pays what, to the fen;
/// `total = fund + supplement + aid + account + person`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub total: Fen,
    pub in_policy: Fen,
    pub deductible_applied: Fen,
    pub fund: Fen,
    pub supplement: Fen,
    /// Medical assistance's deductible this claim bore, and what the assistance fund paid.
    pub aid_deductible_applied: Fen,
    pub aid: Fen,
    pub account: Fen,
    pub person: Fen,
    /// The in-policy cost the person bore this time (before the supplement): what the year's
    /// supplement threshold counts.
    pub self_paid_in_policy: Fen,
    pub lines: Vec<LineSettlement>,
}

impl Settlement {
    /// Who pays: the pooling fund, the supplement, medical assistance, the account, the person.
    pub fn parts(&self) -> [Fen; 5] {
        [
            self.fund,
            self.supplement,
            self.aid,
            self.account,
            self.person,
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("{0}")]
    Rule(String),
    #[error("结算结果不平衡：合计 {total}，各方支付之和 {parts}")]
    Unbalanced { total: Fen, parts: Fen },
}

/// Everything the rules are given for one claim: the claim's facts and its lines' facts.
pub struct Facts {
    pub group: Vec<Value>,
    pub lines: Vec<Vec<Value>>,
}

/// What a claim is settled in: the claim's own facts, the person's cover, the hospital's
/// level, the year so far and the personal account's balance.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub cover: &'a Cover,
    pub visit: Visit,
    pub level: Level,
    pub place: Place,
    pub use_account: bool,
    pub year: &'a YearToDate,
    /// The balance of the account the claim may draw on: the person's own, or the employee's
    /// their family mutual aid binds them to (`family_account`).
    pub balance: Fen,
    pub family_account: bool,
    /// The person's category of medical assistance on the claim's day.
    pub aid: Aid,
}

/// Where a fact the catalog's `entities.yaml` declares is read from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Scheme,
    Retired,
    Visit,
    Level,
    Place,
    TwoDiseases,
    DeductiblePaid,
    FundPaid,
    OutpatientFundPaid,
    SelfPaidInPolicy,
    SupplementPaid,
    Aid,
    AidDeductiblePaid,
    AidPaid,
    AccountBalance,
    UseAccount,
    FamilyAccount,
    Class,
    Amount,
}

/// The catalog's declared facts, each resolved once to where it is read from and, for a code,
/// to the catalog's position of each of ours: what one claim (the interpreter) and a month of
/// them (the batch) are given alike.
#[derive(Debug, Clone)]
pub struct Layout {
    group: Vec<(Source, Vec<i64>)>,
    line: Vec<(Source, Vec<i64>)>,
}

impl Layout {
    pub fn of(policy: &Policy) -> Result<Layout, SettleError> {
        let resolve = |input: &minsheng_policy::inputs::Input, line: bool| {
            let codes = |all: &[&str]| match &input.ty {
                minsheng_policy::Type::Enum(e) => (all.iter())
                    .map(|code| {
                        e.index_of(code).map(i64::from).ok_or_else(|| {
                            SettleError::Rule(format!("{}: 目录没有代码 {code}", input.name))
                        })
                    })
                    .collect::<Result<Vec<i64>, SettleError>>(),
                _ => Err(SettleError::Rule(format!("{} 不是代码", input.name))),
            };
            let source = match (line, input.name) {
                (false, "scheme") => (Source::Scheme, codes(Scheme::CODES)?),
                (false, "visit") => (Source::Visit, codes(Visit::CODES)?),
                (false, "level") => (Source::Level, codes(Level::CODES)?),
                (false, "place") => (Source::Place, codes(Place::CODES)?),
                (false, "assisted") => (Source::Aid, codes(Aid::CODES)?),
                (false, "assistance_deductible_paid") => (Source::AidDeductiblePaid, Vec::new()),
                (false, "assistance_paid") => (Source::AidPaid, Vec::new()),
                (true, "class") => (Source::Class, codes(Class::CODES)?),
                (false, "retired") => (Source::Retired, Vec::new()),
                (false, "two_diseases") => (Source::TwoDiseases, Vec::new()),
                (false, "deductible_paid") => (Source::DeductiblePaid, Vec::new()),
                (false, "fund_paid") => (Source::FundPaid, Vec::new()),
                (false, "outpatient_fund_paid") => (Source::OutpatientFundPaid, Vec::new()),
                (false, "self_paid_in_policy") => (Source::SelfPaidInPolicy, Vec::new()),
                (false, "supplement_paid") => (Source::SupplementPaid, Vec::new()),
                (false, "account_balance") => (Source::AccountBalance, Vec::new()),
                (false, "use_account") => (Source::UseAccount, Vec::new()),
                (false, "family_account") => (Source::FamilyAccount, Vec::new()),
                (true, "amount") => (Source::Amount, Vec::new()),
                (false, other) => {
                    return Err(SettleError::Rule(format!(
                        "目录声明了结算单事实 {other}，结算不知从何取得"
                    )))
                }
                (true, other) => {
                    return Err(SettleError::Rule(format!(
                        "目录声明了明细事实 {other}，结算不知从何取得"
                    )))
                }
            };
            Ok(source)
        };
        Ok(Layout {
            group: (policy.entities.group_inputs.iter())
                .map(|i| resolve(i, false))
                .collect::<Result<_, _>>()?,
            line: (policy.inputs.iter())
                .map(|i| resolve(i, true))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The claim's facts as the batch stores them, in declared order.
    pub fn group_row<'s>(&'s self, s: &'s Situation<'_>) -> impl Iterator<Item = i64> + 's {
        self.group.iter().map(move |(source, codes)| {
            let code = |i: usize| codes.get(i).copied().unwrap_or(0);
            match source {
                Source::Scheme => code(s.cover.scheme.index()),
                Source::Visit => code(s.visit.index()),
                Source::Level => code(s.level.index()),
                Source::Place => code(s.place.index()),
                Source::Retired => i64::from(s.cover.retired),
                Source::TwoDiseases => i64::from(s.cover.two_diseases),
                Source::DeductiblePaid => s.year.deductible_of(s.visit).0,
                Source::FundPaid => s.year.fund.0,
                Source::OutpatientFundPaid => s.year.outpatient_fund.0,
                Source::SelfPaidInPolicy => s.year.self_paid_in_policy.0,
                Source::SupplementPaid => s.year.supplement.0,
                Source::Aid => code(s.aid.index()),
                Source::AidDeductiblePaid => s.year.aid_deductible.0,
                Source::AidPaid => s.year.aid.0,
                Source::AccountBalance => s.balance.0,
                Source::UseAccount => i64::from(s.use_account),
                Source::FamilyAccount => i64::from(s.family_account),
                Source::Class | Source::Amount => 0,
            }
        })
    }

    /// A line's facts as the batch stores them, in declared order.
    pub fn line_row(&self, class: Class, amount: Fen) -> impl Iterator<Item = i64> + '_ {
        self.line.iter().map(move |(source, codes)| match source {
            Source::Class => codes.get(class.index()).copied().unwrap_or(0),
            Source::Amount => amount.0,
            _ => 0,
        })
    }
}

/// The facts the catalog's `entities.yaml` declares, filled from the claim, the person's cover,
/// the hospital's level, each line's class, the year so far and the account it may draw on
/// (its balance, and whether it is a family member's through family mutual aid).
pub fn facts(
    policy: &Policy,
    claim: &Claim,
    cover: &Cover,
    level: Level,
    classes: &[Class],
    (year, balance, family_account): (&YearToDate, Fen, bool),
    aid: Aid,
) -> Result<Facts, SettleError> {
    let layout = Layout::of(policy)?;
    let situation = Situation {
        cover,
        visit: claim.visit,
        level,
        place: claim.place,
        use_account: claim.use_account,
        year,
        balance,
        family_account,
        aid,
    };
    let typed = |inputs: &[minsheng_policy::inputs::Input], raw: Vec<i64>| -> Vec<Value> {
        (inputs.iter().zip(raw))
            .map(|(input, raw)| minsheng_policy::batch::decode(&input.ty, raw))
            .collect()
    };
    let group = typed(
        &policy.entities.group_inputs,
        layout.group_row(&situation).collect(),
    );
    let lines = (claim.lines.iter().zip(classes))
        .map(|(line, class)| {
            typed(
                &policy.inputs,
                layout.line_row(*class, line.amount).collect(),
            )
        })
        .collect();
    Ok(Facts { group, lines })
}

/// The evaluation of one claim under `policy` on the claim's date (tracing if asked, for an
/// explanation).
pub fn evaluation<'p>(
    policy: &'p Policy,
    on: NaiveDate,
    facts: Facts,
    tracing: bool,
) -> Evaluation<'p> {
    Evaluation::new(policy, on, facts.lines, tracing).with_group(facts.group)
}

/// Settles a claim: the rules' figures, checked to add up to the total.
pub fn settle(
    evaluation: &mut Evaluation<'_>,
    claim: &Claim,
    classes: &[Class],
) -> Result<Settlement, SettleError> {
    let policy = evaluation.policy;
    let mut money = |name: &str, member: Option<usize>| -> Result<Fen, SettleError> {
        let id = policy
            .variable(name)
            .ok_or_else(|| SettleError::Rule(format!("目录没有变量 {name}")))?;
        match evaluation.variable(id, member) {
            Ok(Value::Money(f)) => Ok(f),
            Ok(other) => Err(SettleError::Rule(format!("{name} 算得 {other}，不是金额"))),
            Err(e) => Err(SettleError::Rule(e.to_string())),
        }
    };
    let mut lines = Vec::new();
    for (i, (line, class)) in claim.lines.iter().zip(classes).enumerate() {
        lines.push(LineSettlement {
            item: line.item.clone(),
            class: *class,
            amount: line.amount,
            in_policy: money("line_in_policy", Some(i))?,
            first_self_paid: money("line_first_self_paid", Some(i))?,
        });
    }
    let s = Settlement {
        total: money("total", None)?,
        in_policy: money("in_policy", None)?,
        deductible_applied: money("deductible_applied", None)?,
        fund: money("fund_pays", None)?,
        supplement: money("supplement_pays", None)?,
        aid_deductible_applied: money("assistance_deductible_applied", None)?,
        aid: money("assistance_pays", None)?,
        account: money("account_pays", None)?,
        person: money("person_pays", None)?,
        self_paid_in_policy: money("self_paid_in_policy_now", None)?,
        lines,
    };
    let parts = s
        .parts()
        .iter()
        .try_fold(0_i64, |sum, f| sum.checked_add(f.0))
        .map(Fen);
    match parts {
        Some(parts) if parts == s.total && s.total == claim.total => Ok(s),
        Some(parts) => Err(SettleError::Unbalanced {
            total: claim.total,
            parts,
        }),
        None => Err(SettleError::Rule("金额过大".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claim(json: Json) -> Result<Claim, Vec<FieldError>> {
        Claim::from_json(&json)
    }

    fn good() -> Json {
        json!({
            "claim_number": "Z-1", "id_number": "370202198001011232", "date": "2026-03-10",
            "visit": "inpatient", "total": "100.50",
            "lines": [{"item": "A01", "amount": "100"}, {"item": "B01", "amount": 0.5}]
        })
    }

    #[test]
    fn a_good_claim_reads_with_amounts_exact() {
        let c = claim(good()).unwrap();
        assert_eq!(c.total, Fen(10050));
        assert_eq!(c.lines[1].amount, Fen(50));
        assert_eq!(c.place, Place::InCity);
    }

    #[test]
    fn a_claim_written_out_reads_back_the_same() {
        let read = claim(good()).unwrap();
        assert_eq!(claim(read.to_json()).unwrap(), read);
    }

    #[test]
    fn each_mistake_names_its_field() {
        let cases = [
            ("total", json!("100.49"), "total"),
            ("total", json!("-1"), "total"),
            ("date", json!("2026-02-30"), "date"),
            ("visit", json!("dental"), "visit"),
            ("id_number", json!("370202198001011239"), "id_number"),
            (
                "lines",
                json!([{"item": "A01", "amount": "1.005"}]),
                "lines[0].amount",
            ),
            (
                "lines",
                json!([{"item": "", "amount": "1"}]),
                "lines[0].item",
            ),
            ("lines", json!([]), "lines"),
            ("colour", json!("red"), "colour"),
        ];
        for (key, value, field) in cases {
            let mut j = good();
            j[key] = value;
            let errors = claim(j).unwrap_err();
            assert!(errors.iter().any(|e| e.field == field), "{key}: {errors:?}");
        }
    }

    #[test]
    fn the_digest_tells_a_changed_claim_from_a_retry() {
        let a = claim(good()).unwrap();
        let mut j = good();
        j["lines"][0]["amount"] = json!("99.99");
        j["total"] = json!("100.49");
        let b = claim(j).unwrap();
        assert_eq!(a.digest(), claim(good()).unwrap().digest());
        assert_ne!(a.digest(), b.digest());
    }
}
