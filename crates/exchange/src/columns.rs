use std::fmt;

use csv::StringRecord;

use chrono::NaiveDate;
use minsheng_core::registry::{
    check_identity, AbilityLevel, Assets, Code, Disability, DisabilityCategory, Employment,
    ExpenseKind, Expenses, FactChange, Hukou, IllnessSet, IncomeKind, Incomes, Parent, Person,
    PersonFacts, Registration, Relation, SelfCareSet, Sex, WorkAbility,
};
use minsheng_core::{AreaCode, Fen, IdNumber};

/// A column of the roster: its code (the header written on export) and its Chinese label
/// (also accepted as a header on import).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub required: bool,
}

const fn col(code: &'static str, label_zh: &'static str, required: bool) -> Column {
    Column {
        code,
        label_zh,
        required,
    }
}

/// Every column, in export order. Optional columns default to empty, zero, no, or (for
/// `lives_together`) yes, (for `father` and `mother`) able, and (for `effective_from`) the day
/// of the import.
pub const COLUMNS: &[Column] = &[
    col("id_number", "身份证号", true),
    col("name", "姓名", true),
    col("sex", "性别", true),
    col("birth_date", "出生日期", true),
    col("household", "户编号", true),
    col("relation", "与户主关系", true),
    col("lives_together", "是否共同生活", false),
    col("hukou", "户籍类型", true),
    col("area", "所在社区", true),
    col("effective_from", "生效日期", false),
    col("death_date", "死亡日期", false),
    col("disability_category", "残疾类别", false),
    col("disability_grade", "残疾等级", false),
    col("illnesses", "慢性病及重特大疾病", false),
    col("work_ability", "劳动能力", true),
    col("employment", "就业状况", true),
    col("income_wage", "工资性收入", false),
    col("income_business", "经营净收入", false),
    col("income_property", "财产净收入", false),
    col("income_transfer", "转移净收入", false),
    col("income_pension", "养老金", false),
    col(
        "income_residents_basic_pension",
        "城乡居民基础养老金",
        false,
    ),
    col("income_social_assistance", "社会救助金", false),
    col("income_scholarship", "奖学金", false),
    col("income_family_planning_reward", "计划生育奖励", false),
    col("income_bravery_award", "见义勇为奖励", false),
    col("deposits", "存款及金融资产", false),
    col("vehicles", "机动车辆数", false),
    col("homes", "自有住房套数", false),
    col("self_care_lost", "生活自理能力丧失项目", false),
    col("father", "父亲抚养能力", false),
    col("mother", "母亲抚养能力", false),
    col("institutional_care", "集中供养", false),
    col("expense_medical", "近12个月医疗支出", false),
    col("expense_education", "近12个月教育支出", false),
    col("expense_rehabilitation", "近12个月康复支出", false),
    col("ability_level", "老年人能力等级", false),
];

/// A rejected row: file line (the header is line 1), column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// Column positions of a file, found from its header.
#[derive(Debug, Clone)]
pub struct Layout {
    positions: Vec<Option<usize>>,
}

impl Layout {
    /// Matches header cells to columns by code or Chinese label. Unknown or repeated headers and
    /// missing required columns are errors, reported together.
    pub fn from_header(header: &[String]) -> Result<Layout, Vec<String>> {
        let mut positions = vec![None; COLUMNS.len()];
        let mut problems = Vec::new();
        for (i, cell) in header.iter().enumerate() {
            let name = cell.trim().trim_start_matches('\u{feff}');
            match COLUMNS
                .iter()
                .zip(positions.iter_mut())
                .find(|(c, _)| c.code.eq_ignore_ascii_case(name) || c.label_zh == name)
            {
                Some((_, Some(_))) => problems.push(format!("列「{name}」出现了两次")),
                Some((_, position)) => *position = Some(i),
                None if name.is_empty() => {}
                None => problems.push(format!("没有「{name}」这一列")),
            }
        }
        for (column, position) in COLUMNS.iter().zip(&positions) {
            if column.required && position.is_none() {
                problems.push(format!(
                    "缺少必填列「{}」（{}）",
                    column.code, column.label_zh
                ));
            }
        }
        if problems.is_empty() {
            Ok(Layout { positions })
        } else {
            Err(problems)
        }
    }

    fn get<'a>(&self, record: &'a StringRecord, column: usize) -> &'a str {
        self.positions
            .get(column)
            .copied()
            .flatten()
            .and_then(|i| record.get(i))
            .map_or("", |cell| crate::formula::restored(cell.trim()))
    }
}

// Positions in COLUMNS; a test checks each against its code.
const ID_NUMBER: usize = 0;
const NAME: usize = 1;
const SEX: usize = 2;
const BIRTH_DATE: usize = 3;
const HOUSEHOLD: usize = 4;
const RELATION: usize = 5;
const LIVES_TOGETHER: usize = 6;
const HUKOU: usize = 7;
const AREA: usize = 8;
const EFFECTIVE_FROM: usize = 9;
const DEATH_DATE: usize = 10;
const DISABILITY_CATEGORY: usize = 11;
const DISABILITY_GRADE: usize = 12;
const ILLNESSES: usize = 13;
const WORK_ABILITY: usize = 14;
const EMPLOYMENT: usize = 15;
/// The income columns follow in [`IncomeKind::ALL`] order.
const FIRST_INCOME: usize = 16;
const DEPOSITS: usize = FIRST_INCOME + IncomeKind::ALL.len();
const VEHICLES: usize = DEPOSITS + 1;
const HOMES: usize = DEPOSITS + 2;
const SELF_CARE_LOST: usize = HOMES + 1;
const FATHER: usize = HOMES + 2;
const MOTHER: usize = HOMES + 3;
const INSTITUTIONAL_CARE: usize = HOMES + 4;
/// The expense columns follow in [`ExpenseKind::ALL`] order.
const FIRST_EXPENSE: usize = HOMES + 5;
const ABILITY_LEVEL: usize = FIRST_EXPENSE + ExpenseKind::ALL.len();

struct RowParser<'a> {
    layout: &'a Layout,
    record: &'a StringRecord,
    line: u64,
    errors: Vec<RowError>,
}

impl<'a> RowParser<'a> {
    fn fail(&mut self, column: usize, reason: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            field: COLUMNS.get(column).map_or("", |c| c.code).into(),
            reason: reason.into(),
        });
    }

    fn text(&self, column: usize) -> &'a str {
        self.layout.get(self.record, column)
    }

    fn required<T>(
        &mut self,
        column: usize,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.text(column);
        if value.is_empty() {
            self.fail(column, "不能为空");
            return None;
        }
        parse(value).map_err(|e| self.fail(column, e)).ok()
    }

    /// The amount columns from `first`, one per kind in `K::ALL` order, each handed to `set`
    /// (empty is zero). `None` if any was bad; each bad one is reported.
    fn amounts<K: Code>(&mut self, first: usize, mut set: impl FnMut(K, Fen)) -> Option<()> {
        let mut ok = true;
        for kind in K::ALL {
            match self.optional(first + kind.index(), amount) {
                Some(v) => set(*kind, v.unwrap_or_default()),
                None => ok = false,
            }
        }
        ok.then_some(())
    }

    fn optional<T>(
        &mut self,
        column: usize,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let value = self.text(column);
        if value.is_empty() {
            return Some(None);
        }
        match parse(value) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                self.fail(column, e);
                None
            }
        }
    }
}

fn date(text: &str) -> Result<NaiveDate, String> {
    // Spreadsheets also write 2025/6/3; a year is always four digits.
    let four_digit_year = text.len() > 4
        && text
            .as_bytes()
            .get(..4)
            .is_some_and(|year| year.iter().all(u8::is_ascii_digit));
    iso_date(text)
        .or_else(|| {
            four_digit_year.then_some(())?;
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
                .ok()
        })
        .ok_or_else(|| format!("「{text}」不是日期（应为 YYYY-MM-DD）"))
}

/// `YYYY-MM-DD` exactly: the form every export writes, read without a format interpreter.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

fn boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "是" | "y" => Ok(true),
        "false" | "no" | "0" | "否" | "n" => Ok(false),
        _ => Err(format!("「{text}」应为 是 或 否（true, false, 是, 否）")),
    }
}

fn amount(text: &str) -> Result<Fen, String> {
    let fen = Fen::parse_yuan(text).map_err(|e| e.to_string())?;
    if fen.is_negative() {
        return Err(format!("{text} 为负数"));
    }
    Ok(fen)
}

fn count(text: &str) -> Result<u8, String> {
    text.parse::<u8>()
        .map_err(|_| format!("「{text}」不是 0 至 255 的整数"))
}

/// Parses one data row. `today` is the default `effective_from` and the limit for dates.
pub fn parse_row(
    layout: &Layout,
    record: &StringRecord,
    line: u64,
    today: NaiveDate,
) -> Result<Registration, Vec<RowError>> {
    let mut p = RowParser {
        layout,
        record,
        line,
        errors: Vec::new(),
    };
    let id_number = p.required(ID_NUMBER, |t| IdNumber::parse(t).map_err(|e| e.to_string()));
    let name = p.required(NAME, |t| Ok(t.to_string()));
    let sex = p.required(SEX, Sex::parse);
    let birth_date = p.required(BIRTH_DATE, date);
    let household = p.required(HOUSEHOLD, |t| Ok(t.to_string()));
    let relation = p.required(RELATION, Relation::parse);
    let lives_together = p
        .optional(LIVES_TOGETHER, boolean)
        .map(|v| v.unwrap_or(true));
    let hukou = p.required(HUKOU, Hukou::parse);
    let area = p.required(AREA, |t| AreaCode::parse(t).map_err(|e| e.to_string()));
    let effective_from = p.optional(EFFECTIVE_FROM, date).map(|v| v.unwrap_or(today));
    let death_date = p.optional(DEATH_DATE, date);
    let category = p.optional(DISABILITY_CATEGORY, DisabilityCategory::parse);
    let grade = p.optional(DISABILITY_GRADE, count);
    let disability = match (category, grade) {
        (Some(Some(c)), Some(Some(g))) => Disability::new(c, g)
            .map(Some)
            .map_err(|e| p.fail(DISABILITY_GRADE, e.reason))
            .ok(),
        (Some(None), Some(None)) => Some(None),
        (Some(Some(_)), Some(None)) => {
            p.fail(DISABILITY_GRADE, "填写了残疾类别时不能为空");
            None
        }
        (Some(None), Some(Some(_))) => {
            p.fail(DISABILITY_CATEGORY, "填写了残疾等级时不能为空");
            None
        }
        _ => None,
    };
    let illnesses = p
        .optional(ILLNESSES, IllnessSet::parse_codes)
        .map(Option::unwrap_or_default);
    let work_ability = p.required(WORK_ABILITY, WorkAbility::parse);
    let employment = p.required(EMPLOYMENT, Employment::parse);
    let mut incomes = Incomes::default();
    let income = p.amounts(FIRST_INCOME, |k: IncomeKind, a| incomes.set(k, a));
    let income = income.map(|()| incomes);
    let deposits = p.optional(DEPOSITS, amount);
    let vehicles = p.optional(VEHICLES, count);
    let homes = p.optional(HOMES, count);
    let self_care_lost = p
        .optional(SELF_CARE_LOST, SelfCareSet::parse_codes)
        .map(Option::unwrap_or_default);
    let father = p
        .optional(FATHER, Parent::parse)
        .map(Option::unwrap_or_default);
    let mother = p
        .optional(MOTHER, Parent::parse)
        .map(Option::unwrap_or_default);
    let institutional_care = p
        .optional(INSTITUTIONAL_CARE, boolean)
        .map(Option::unwrap_or_default);
    let mut spent = Expenses::default();
    let expenses = p.amounts(FIRST_EXPENSE, |k: ExpenseKind, a| spent.set(k, a));
    let expenses = expenses.map(|()| spent);
    let ability = p.optional(ABILITY_LEVEL, AbilityLevel::parse);

    let (
        Some(id_number),
        Some(name),
        Some(sex),
        Some(birth_date),
        Some(household),
        Some(relation),
        Some(lives_together),
        Some(hukou),
        Some(area),
        Some(effective_from),
        Some(death_date),
        Some(disability),
        Some(illnesses),
        Some(work_ability),
        Some(employment),
        Some(income),
        Some(deposits),
        Some(vehicles),
        Some(homes),
        Some(self_care_lost),
        Some(father),
        Some(mother),
        Some(institutional_care),
        Some(expenses),
        Some(ability),
    ) = (
        id_number.clone(),
        name,
        sex,
        birth_date,
        household,
        relation,
        lives_together,
        hukou,
        area,
        effective_from,
        death_date,
        disability,
        illnesses,
        work_ability,
        employment,
        income,
        deposits,
        vehicles,
        homes,
        self_care_lost,
        father,
        mother,
        institutional_care,
        expenses,
        ability,
    )
    else {
        // Who the person is and the row's dates can still be checked, so that the row's
        // report is whole.
        if let (Some(id), Some(sex), Some(birth), Some(from), Some(death)) =
            (&id_number, sex, birth_date, effective_from, death_date)
        {
            p.errors.extend(
                check_identity(id, sex, birth, from, death, today)
                    .into_iter()
                    .map(|e| RowError {
                        line,
                        field: e.field,
                        reason: e.reason,
                    }),
            );
        }
        return Err(p.errors);
    };
    let registration = Registration {
        person: Person { id_number, name },
        sex,
        birth_date,
        facts: PersonFacts {
            household,
            relation,
            lives_together,
            hukou,
            area,
            death_date,
            disability,
            illnesses,
            work_ability,
            employment,
            income,
            assets: Assets {
                deposits: deposits.unwrap_or_default(),
                vehicles: vehicles.unwrap_or(0),
                homes: homes.unwrap_or(0),
            },
            self_care_lost,
            father,
            mother,
            institutional_care,
            expenses,
            ability,
        },
        effective_from,
    };
    let errors: Vec<RowError> = registration
        .check(today)
        .into_iter()
        .map(|e| RowError {
            line,
            field: e.field,
            reason: e.reason,
        })
        .collect();
    if errors.is_empty() {
        Ok(registration)
    } else {
        Err(errors)
    }
}

/// Parses `field=value` as a change to one fact, with the roster's column names and value
/// formats (`income_wage=3500`, `employment=失业`, `disability=physical:2`, `death_date=`).
pub fn parse_change(assignment: &str) -> Result<FactChange, String> {
    let (field, value) = assignment
        .split_once('=')
        .ok_or_else(|| format!("「{assignment}」应为 字段=值"))?;
    let (field, value) = (field.trim(), value.trim());
    let column = COLUMNS
        .iter()
        .position(|c| c.code == field || c.label_zh == field)
        .or_else(|| (field == "disability").then_some(DISABILITY_CATEGORY))
        .ok_or_else(|| format!("「{field}」不是可以变更的情况"))?;
    let fail = |e: String| format!("{field}: {e}");
    let change = match column {
        HOUSEHOLD => {
            minsheng_core::registry::check_household_code(value).map_err(|e| fail(e.reason))?;
            FactChange::Household(value.to_string())
        }
        RELATION => FactChange::Relation(Relation::parse(value).map_err(fail)?),
        LIVES_TOGETHER => FactChange::LivesTogether(boolean(value).map_err(fail)?),
        HUKOU => FactChange::Hukou(Hukou::parse(value).map_err(fail)?),
        AREA => FactChange::Area(AreaCode::parse(value).map_err(|e| fail(e.to_string()))?),
        DEATH_DATE if value.is_empty() => FactChange::DeathDate(None),
        DEATH_DATE => FactChange::DeathDate(Some(date(value).map_err(fail)?)),
        DISABILITY_CATEGORY if value.is_empty() => FactChange::Disability(None),
        DISABILITY_CATEGORY => {
            let (category, grade) = value
                .split_once(':')
                .ok_or_else(|| fail(format!("「{value}」应为 类别:等级，如 physical:2")))?;
            let category = DisabilityCategory::parse(category).map_err(fail)?;
            let grade = count(grade.trim()).map_err(fail)?;
            FactChange::Disability(Some(
                Disability::new(category, grade).map_err(|e| fail(e.reason))?,
            ))
        }
        ILLNESSES => FactChange::Illnesses(IllnessSet::parse_codes(value).map_err(fail)?),
        WORK_ABILITY => FactChange::WorkAbility(WorkAbility::parse(value).map_err(fail)?),
        EMPLOYMENT => FactChange::Employment(Employment::parse(value).map_err(fail)?),
        c if (FIRST_INCOME..DEPOSITS).contains(&c) => {
            let kind = IncomeKind::from_index(c - FIRST_INCOME)
                .ok_or_else(|| fail("没有这一项收入".into()))?;
            FactChange::Income(kind, amount(value).map_err(fail)?)
        }
        DEPOSITS => FactChange::Deposits(amount(value).map_err(fail)?),
        VEHICLES => FactChange::Vehicles(count(value).map_err(fail)?),
        HOMES => FactChange::Homes(count(value).map_err(fail)?),
        SELF_CARE_LOST => FactChange::SelfCareLost(SelfCareSet::parse_codes(value).map_err(fail)?),
        FATHER => FactChange::Father(Parent::parse(value).map_err(fail)?),
        MOTHER => FactChange::Mother(Parent::parse(value).map_err(fail)?),
        INSTITUTIONAL_CARE => FactChange::InstitutionalCare(boolean(value).map_err(fail)?),
        ABILITY_LEVEL if value.is_empty() => FactChange::Ability(None),
        ABILITY_LEVEL => FactChange::Ability(Some(AbilityLevel::parse(value).map_err(fail)?)),
        c if c >= FIRST_EXPENSE => {
            let kind = ExpenseKind::from_index(c - FIRST_EXPENSE)
                .ok_or_else(|| fail("没有这一项支出".into()))?;
            FactChange::Expense(kind, amount(value).map_err(fail)?)
        }
        _ => return Err(format!("「{field}」是身份信息，不能从某日起变更")),
    };
    Ok(change)
}

/// The cells of one registration in [`COLUMNS`] order.
pub fn to_record(r: &Registration) -> Vec<String> {
    let f = &r.facts;
    let mut out = vec![
        r.person.id_number.as_str().to_string(),
        r.person.name.clone(),
        r.sex.as_str().to_string(),
        r.birth_date.to_string(),
        f.household.clone(),
        f.relation.as_str().to_string(),
        f.lives_together.to_string(),
        f.hukou.as_str().to_string(),
        f.area.as_str().to_string(),
        r.effective_from.to_string(),
        f.death_date.map(|d| d.to_string()).unwrap_or_default(),
        f.disability
            .map(|d| d.category.as_str().to_string())
            .unwrap_or_default(),
        f.disability
            .map(|d| d.grade().to_string())
            .unwrap_or_default(),
        f.illnesses.to_codes(),
        f.work_ability.as_str().to_string(),
        f.employment.as_str().to_string(),
    ];
    out.extend(f.income.iter().map(|(_, a)| a.to_string()));
    out.push(f.assets.deposits.to_string());
    out.push(f.assets.vehicles.to_string());
    out.push(f.assets.homes.to_string());
    out.push(f.self_care_lost.to_codes());
    out.push(f.father.code());
    out.push(f.mother.code());
    out.push(f.institutional_care.to_string());
    out.extend(f.expenses.iter().map(|(_, a)| a.to_string()));
    out.push(
        f.ability
            .map_or_else(String::new, |l| l.as_str().to_string()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::registry::{ParentSituation, SelfCareItem};

    #[test]
    fn dates_are_read_exactly() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date("2025-06-30"), Ok(day(2025, 6, 30)));
        assert_eq!(date("2025/06/30"), Ok(day(2025, 6, 30)));
        assert_eq!(date("2024-02-29"), Ok(day(2024, 2, 29)));
        assert_eq!(date("2025/6/3"), Ok(day(2025, 6, 3)));
        for bad in [
            "2023-02-29",
            "2025-13-01",
            "2025-06-3x",
            "25-06-30",
            "",
            "2025-06-300",
        ] {
            assert!(date(bad).is_err(), "{bad} should not be a date");
        }
    }

    fn header() -> Vec<String> {
        COLUMNS.iter().map(|c| c.code.to_string()).collect()
    }

    fn good_row() -> Vec<String> {
        let id =
            IdNumber::from_parts(370212, NaiveDate::from_ymd_opt(1950, 3, 8).unwrap(), 23).unwrap();
        let mut row = vec![String::new(); COLUMNS.len()];
        let mut set = |code: &str, v: &str| {
            let i = COLUMNS.iter().position(|c| c.code == code).unwrap();
            row[i] = v.to_string();
        };
        set("id_number", id.as_str());
        set("name", "王建国");
        set("sex", "男");
        set("birth_date", "1950-03-08");
        set("household", "H1");
        set("relation", "head");
        set("hukou", "rural");
        set("area", "370212001001");
        set("work_ability", "none");
        set("employment", "retired");
        set("income_pension", "1,200.50");
        set("self_care_lost", "bathing");
        set("expense_medical", "8000");
        set("father", "服刑在押:2024-03-01至2026-02-28");
        set("ability_level", "中度失能");
        row
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
    }

    #[test]
    fn a_good_row_round_trips() {
        let layout = Layout::from_header(&header()).unwrap();
        let r = parse_row(&layout, &StringRecord::from(good_row()), 2, today()).unwrap();
        assert_eq!(r.facts.income.get(IncomeKind::Pension), Fen(120_050));
        assert_eq!(r.facts.self_care_lost.to_codes(), "bathing");
        assert_eq!(r.facts.expenses.medical, Fen(800_000));
        assert_eq!(r.facts.mother, Parent::ABLE);
        assert_eq!(r.facts.father.code(), "imprisoned:2024-03-01~2026-02-28");
        assert_eq!(r.facts.ability, Some(AbilityLevel::Moderate));
        assert_eq!(r.effective_from, today());
        assert!(r.facts.lives_together);
        let again = parse_row(&layout, &StringRecord::from(to_record(&r)), 2, today()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn every_bad_field_is_reported_with_line_and_reason() {
        let layout = Layout::from_header(&header()).unwrap();
        let mut row = good_row();
        let i = |code: &str| COLUMNS.iter().position(|c| c.code == code).unwrap();
        row[i("id_number")] = "370212195003080231".into();
        row[i("income_wage")] = "-5".into();
        row[i("hukou")] = "city".into();
        row[i("disability_category")] = "visual".into();
        let errors = parse_row(&layout, &StringRecord::from(row), 7, today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["id_number", "hukou", "disability_grade", "income_wage"],
            "{errors:?}"
        );
        assert!(errors.iter().all(|e| e.line == 7));
        assert!(errors[0].reason.contains("校验码"), "{}", errors[0].reason);
    }

    #[test]
    fn a_row_with_a_bad_cell_still_has_its_identity_and_dates_checked() {
        let layout = Layout::from_header(&header()).unwrap();
        let mut row = good_row();
        let i = |code: &str| COLUMNS.iter().position(|c| c.code == code).unwrap();
        row[i("hukou")] = "city".into();
        row[i("sex")] = "女".into();
        row[i("death_date")] = "2999-01-01".into();
        let errors = parse_row(&layout, &StringRecord::from(row), 7, today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["hukou", "sex", "death_date"], "{errors:?}");
        assert!(errors[1].reason.contains("与身份证号不符"));
        assert!(errors[2].reason.contains("是将来的日期"));
    }

    #[test]
    fn a_parent_situation_is_dated_as_it_must_be() {
        let layout = Layout::from_header(&header()).unwrap();
        let i = COLUMNS.iter().position(|c| c.code == "mother").unwrap();
        let problem = |cell: &str| {
            let mut row = good_row();
            row[i] = cell.into();
            let errors = parse_row(&layout, &StringRecord::from(row), 3, today()).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, "mother");
            errors[0].reason.clone()
        };
        assert!(problem("失联").contains("请填写开始日期"));
        assert!(problem("unreachable:2025-01-02").contains("2025-01-02 是将来的日期"));
        assert!(problem("重残:2024-01-01~2024-12-31").contains("没有期限"));
    }

    #[test]
    fn column_positions_match_their_codes() {
        let at = |i: usize| COLUMNS[i].code;
        assert_eq!(
            [
                at(ID_NUMBER),
                at(NAME),
                at(SEX),
                at(BIRTH_DATE),
                at(HOUSEHOLD),
                at(RELATION),
                at(LIVES_TOGETHER),
                at(HUKOU)
            ],
            [
                "id_number",
                "name",
                "sex",
                "birth_date",
                "household",
                "relation",
                "lives_together",
                "hukou"
            ]
        );
        assert_eq!(
            [
                at(AREA),
                at(EFFECTIVE_FROM),
                at(DEATH_DATE),
                at(DISABILITY_CATEGORY),
                at(DISABILITY_GRADE),
                at(ILLNESSES)
            ],
            [
                "area",
                "effective_from",
                "death_date",
                "disability_category",
                "disability_grade",
                "illnesses"
            ]
        );
        assert_eq!(
            [
                at(WORK_ABILITY),
                at(EMPLOYMENT),
                at(DEPOSITS),
                at(VEHICLES),
                at(HOMES)
            ],
            [
                "work_ability",
                "employment",
                "deposits",
                "vehicles",
                "homes"
            ]
        );
        for kind in IncomeKind::ALL {
            assert_eq!(at(FIRST_INCOME + kind.index()), format!("income_{kind}"));
        }
        assert_eq!(
            [
                at(SELF_CARE_LOST),
                at(FATHER),
                at(MOTHER),
                at(INSTITUTIONAL_CARE)
            ],
            ["self_care_lost", "father", "mother", "institutional_care"]
        );
        for kind in ExpenseKind::ALL {
            assert_eq!(at(FIRST_EXPENSE + kind.index()), format!("expense_{kind}"));
        }
        assert_eq!(at(ABILITY_LEVEL), "ability_level");
        assert_eq!(COLUMNS.len(), ABILITY_LEVEL + 1);
    }

    #[test]
    fn changes_parse_like_roster_cells() {
        assert_eq!(
            parse_change("income_wage=3,500.50"),
            Ok(FactChange::Income(IncomeKind::Wage, Fen(350_050)))
        );
        assert_eq!(
            parse_change("就业状况=失业"),
            Ok(FactChange::Employment(Employment::Unemployed))
        );
        assert_eq!(parse_change("death_date="), Ok(FactChange::DeathDate(None)));
        assert_eq!(
            parse_change("老年人能力等级=重度失能"),
            Ok(FactChange::Ability(Some(AbilityLevel::Severe)))
        );
        assert_eq!(
            parse_change("ability_level="),
            Ok(FactChange::Ability(None))
        );
        assert_eq!(
            parse_change("father=服刑在押:2026-01-10"),
            Ok(FactChange::Father(Parent {
                situation: ParentSituation::Imprisoned,
                since: NaiveDate::from_ymd_opt(2026, 1, 10),
                until: None,
            }))
        );
        assert_eq!(
            parse_change("expense_medical=23,000"),
            Ok(FactChange::Expense(ExpenseKind::Medical, Fen(2_300_000)))
        );
        assert_eq!(
            parse_change("self_care_lost=bathing;toileting"),
            Ok(FactChange::SelfCareLost(
                [SelfCareItem::Bathing, SelfCareItem::Toileting]
                    .into_iter()
                    .collect()
            ))
        );
        let d = Disability::new(DisabilityCategory::Physical, 2).unwrap();
        assert_eq!(
            parse_change("disability=physical:2"),
            Ok(FactChange::Disability(Some(d)))
        );
        for bad in [
            "income_wage=-1",
            "name=张三",
            "wage",
            "hukou=city",
            "disability=physical:7",
            "colour=red",
            "mother=abroad",
            "mother=unreachable",
            "ability_level=fine",
            "self_care_lost=sleeping",
            "expense_education=-3",
        ] {
            assert!(parse_change(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn header_problems_are_listed_together() {
        let mut h = header();
        h[0] = "idnumber".into();
        h.push("name".into());
        let problems = Layout::from_header(&h).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn chinese_headers_are_accepted() {
        let h: Vec<String> = COLUMNS.iter().map(|c| c.label_zh.to_string()).collect();
        let layout = Layout::from_header(&h).unwrap();
        assert!(parse_row(&layout, &StringRecord::from(good_row()), 2, today()).is_ok());
    }
}
