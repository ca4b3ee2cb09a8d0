//! Coded values of the registry. Each has a stable English code (files, database, API) and a
//! Chinese label (what people read); parsing accepts either.

use serde::{Deserialize, Serialize};

/// What every coded value offers, so that sets of codes ([`super::CodeSet`]) are written once.
pub trait Code: Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(text: &str) -> Result<Self, String>;
    fn index(self) -> usize;
}

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            pub fn parse(text: &str) -> Result<$name, String> {
                let t = text.trim();
                $(if t.eq_ignore_ascii_case($code) || t == $zh { return Ok($name::$variant); })+
                Err(format!(
                    "「{}」不是以下之一：{}",
                    t,
                    [$(concat!($code, " (", $zh, ")")),+].join(", ")
                ))
            }

            /// Position in [`Self::ALL`]: a dense index for arrays and compact storage.
            pub fn index(self) -> usize {
                self as usize
            }

            pub fn from_index(i: usize) -> Option<$name> {
                Self::ALL.get(i).copied()
            }
        }

        impl Code for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn parse(text: &str) -> Result<$name, String> { $name::parse(text) }
            fn index(self) -> usize { $name::index(self) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

coded_enum!(Sex {
    Male = "male", "男";
    Female = "female", "女";
});

coded_enum!(
    /// 户籍类型. Urban and rural hukou have different assistance standards.
    Hukou {
        Urban = "urban", "城镇";
        Rural = "rural", "农村";
    }
);

coded_enum!(
    /// Disability categories of the 残疾人证 (GB/T 26341).
    DisabilityCategory {
        Visual = "visual", "视力";
        Hearing = "hearing", "听力";
        Speech = "speech", "言语";
        Physical = "physical", "肢体";
        Intellectual = "intellectual", "智力";
        Mental = "mental", "精神";
        Multiple = "multiple", "多重";
    }
);

coded_enum!(
    /// Chronic and serious illnesses the programs care about: the two chronic diseases of
    /// outpatient reimbursement (两病) and the serious illnesses of 因病致贫 recognition.
    Illness {
        Hypertension = "hypertension", "高血压";
        Diabetes = "diabetes", "糖尿病";
        CoronaryHeartDisease = "coronary_heart_disease", "冠心病";
        Copd = "copd", "慢阻肺";
        StrokeSequelae = "stroke_sequelae", "脑卒中后遗症";
        Cancer = "cancer", "恶性肿瘤";
        Uremia = "uremia", "尿毒症";
        SevereMentalDisorder = "severe_mental_disorder", "重性精神障碍";
        Leukemia = "leukemia", "白血病";
        OrganTransplant = "organ_transplant", "器官移植";
        OtherChronic = "other_chronic", "其他慢性病";
    }
);

coded_enum!(
    /// 劳动能力.
    WorkAbility {
        Full = "full", "有劳动能力";
        Partial = "partial", "部分丧失劳动能力";
        None = "none", "无劳动能力";
    }
);

coded_enum!(
    /// 就业状况.
    Employment {
        Employed = "employed", "受雇就业";
        SelfEmployed = "self_employed", "自主经营";
        Farming = "farming", "务农";
        Unemployed = "unemployed", "失业";
        Retired = "retired", "退休";
        Student = "student", "在校学生";
        NotApplicable = "not_applicable", "不适用";
    }
);

coded_enum!(
    /// Kinds of monthly income the registry records. Whether a kind counts towards a program's
    /// income test is policy (民政部《最低生活保障审核确认办法》art. 13) and lives in the policy
    /// files, not here.
    IncomeKind {
        Wage = "wage", "工资性收入";
        Business = "business", "经营净收入";
        Property = "property", "财产净收入";
        Transfer = "transfer", "转移净收入";
        Pension = "pension", "养老金";
        ResidentsBasicPension = "residents_basic_pension", "城乡居民基础养老金";
        SocialAssistance = "social_assistance", "社会救助金";
        Scholarship = "scholarship", "奖学金";
        FamilyPlanningReward = "family_planning_reward", "计划生育奖励";
        BraveryAward = "bravery_award", "见义勇为奖励";
    }
);

coded_enum!(
    /// The six activities of daily living of the 特困 care assessment (《特困人员认定办法》
    /// art. 20): a person who cannot do one of them has lost self-care in it.
    SelfCareItem {
        Eating = "eating", "自主吃饭";
        Dressing = "dressing", "自主穿衣";
        BedTransfer = "bed_transfer", "自主上下床";
        Toileting = "toileting", "自主如厕";
        IndoorWalking = "indoor_walking", "室内自主行走";
        Bathing = "bathing", "自主洗澡";
    }
);

coded_enum!(
    /// Whether a parent can raise their child, in the terms of the 2019 opinion on children
    /// without de-facto carers (民政部等《关于进一步加强事实无人抚养儿童保障工作的意见》). Every
    /// state but `able` can count; imprisonment, detention and loss of contact count only when
    /// they last, which the dates of a [`super::Parent`] tell the rules.
    ParentSituation {
        Able = "able", "能履行抚养义务";
        Deceased = "deceased", "死亡";
        Missing = "missing", "宣告失踪";
        SevereDisability = "severe_disability", "重残";
        SeriousIllness = "serious_illness", "重病";
        Imprisoned = "imprisoned", "服刑在押";
        Detained = "detained", "强制隔离戒毒或被限制人身自由";
        Unreachable = "unreachable", "失联";
        GuardianshipRevoked = "guardianship_revoked", "被撤销监护资格";
    }
);

coded_enum!(
    /// An older person's ability level (老年人能力等级, GB/T 42195-2022), from the best to the
    /// worst: what the last confirmed assessment found. The levels' codes are the ability
    /// scale's in the policy catalog (`scales/ability.yaml`), which checks that they agree.
    AbilityLevel {
        Intact = "intact", "能力完好";
        Mild = "mild", "轻度失能";
        Moderate = "moderate", "中度失能";
        Severe = "severe", "重度失能";
        Complete = "complete", "完全失能";
    }
);

coded_enum!(
    /// Out-of-pocket rigid spending (刚性支出) the registry records over the last twelve months,
    /// for expenditure-type temporary assistance and rigid-expenditure hardship.
    ExpenseKind {
        Medical = "medical", "医疗";
        Education = "education", "教育";
        Rehabilitation = "rehabilitation", "康复";
    }
);

coded_enum!(
    /// Relation to the head of household (与户主关系).
    Relation {
        Head = "head", "户主";
        Spouse = "spouse", "配偶";
        Child = "child", "子女";
        Parent = "parent", "父母";
        Grandchild = "grandchild", "孙子女";
        Grandparent = "grandparent", "祖父母";
        Sibling = "sibling", "兄弟姐妹";
        ChildInLaw = "child_in_law", "儿媳/女婿";
        Other = "other", "其他";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_chinese_labels() {
        assert_eq!(Hukou::parse("rural"), Ok(Hukou::Rural));
        assert_eq!(Hukou::parse("农村"), Ok(Hukou::Rural));
        assert_eq!(Hukou::parse(" URBAN "), Ok(Hukou::Urban));
        let err = Hukou::parse("city").unwrap_err();
        assert!(err.contains("urban (城镇)"), "{err}");
    }

    #[test]
    fn indices_are_dense_and_round_trip() {
        for (i, kind) in IncomeKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
            assert_eq!(IncomeKind::from_index(i), Some(*kind));
        }
        assert_eq!(IncomeKind::from_index(IncomeKind::ALL.len()), None);
    }
}
